"""Person detection and body landmarks from a real-data-trained model (BlazePose)."""
