"""Camera motion from the footage (issue 22): rotation from the background (:mod:`.background`), the camera's
path in the world from the planted feet (:mod:`.path`)."""
