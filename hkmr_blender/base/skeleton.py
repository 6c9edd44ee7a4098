"""SMPL's skeleton and body constants (stdlib only): the one source for core, training and the add-on.

Bone/joint order is SMPL's. ``SMPL_PARENTS[0] == -1`` marks the pelvis (root).
"""

SMPL_JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hand", "right_hand",
)

SMPL_PARENTS: tuple[int, ...] = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21,
)

NUM_JOINTS: int = len(SMPL_JOINT_NAMES)
"""SMPL's joint count (24); pose vectors are ``3 * NUM_JOINTS`` axis-angle values."""

NUM_POSE_PARAMS: int = 3 * NUM_JOINTS
"""Length of an SMPL axis-angle pose vector (72), joint 0 = global orientation."""

GENDERS: tuple[str, ...] = ("neutral", "male", "female")
"""Body-model genders an SMPL file / motion file may name."""
