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

# --- Hands: SMPL-H / MANO layout (AMASS ``poses[:, 66:156]``) ---
FINGER_NAMES: tuple[str, ...] = ("index", "middle", "pinky", "ring", "thumb")
"""MANO's finger order (not anatomical: pinky before ring), 3 joints each (thumb1..3 = CMC, MCP, IP)."""

HAND_JOINT_NAMES: tuple[str, ...] = tuple(
    f"{side}_{finger}{k}" for side in ("left", "right") for finger in FINGER_NAMES for k in (1, 2, 3))
"""The 30 finger joints in SMPL-H order: 15 of the left hand, then 15 of the right."""

NUM_HAND_JOINTS: int = 15
"""Finger joints per hand (SMPL-H/MANO)."""

HAND_POSE_PARAMS: int = 3 * 2 * NUM_HAND_JOINTS
"""Length of a hand pose vector (90): axis-angle of :data:`HAND_JOINT_NAMES`, left hand first."""

HAND_PARENTS: tuple[int, ...] = tuple(
    SMPL_JOINT_NAMES.index(f"{side}_wrist") if k == 1 else 22 + 15 * s + 3 * FINGER_NAMES.index(finger) + k - 2
    for s, side in enumerate(("left", "right")) for finger in FINGER_NAMES for k in (1, 2, 3))
"""Parent of each of :data:`HAND_JOINT_NAMES` in SMPL-H's 52-joint numbering (22 body joints, then these 30;
the first joint of every finger hangs on the wrist, 20 or 21). SMPL's own ``left_hand``/``right_hand`` (22, 23)
have no SMPL-H counterpart."""

BODY_HAND_NAMES: tuple[str, ...] = SMPL_JOINT_NAMES + HAND_JOINT_NAMES
"""The 54-joint layout of an imported armature with fingers: SMPL's 24 joints, then the 30 finger joints (SMPL's
``left_hand``/``right_hand`` stay, as leaves). Finger joint k is index 24 + k here, 22 + k in SMPL-H."""

BODY_HAND_PARENTS: tuple[int, ...] = SMPL_PARENTS + tuple(p if p < 22 else p + 2 for p in HAND_PARENTS)
"""Parents in :data:`BODY_HAND_NAMES` numbering."""
