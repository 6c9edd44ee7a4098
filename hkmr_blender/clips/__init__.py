"""The clips room: several motion files as actions on one rig. :mod:`.finish` (feet, root motion and NLA
applied to a freshly keyed action), :mod:`.settings`, :mod:`.operators` (Import Clips), :mod:`.panel` (the
Clips, Feet, Root Motion sub-panel)."""
