"""The clips room: several motion files as actions on one rig. :mod:`.operators` (Import Clips; the import
itself, NLA included, is :func:`..importing.importer.import_clips` and :mod:`..importing.finish`),
:mod:`.panel` (the Clips, Feet, Root Motion sub-panel)."""
