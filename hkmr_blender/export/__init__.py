"""The export room: animation files for engines. :mod:`.files` (one clip → FBX/glTF/BVH with an engine
preset), :mod:`.batch` (motion files → files, also ``hkmr export`` headless), :mod:`.actions` (one file per
action of a rig), :mod:`.operators` (Batch Export, Export Actions)."""
