"""The piano-roll editor: coordinate transform, note canvas, tools, keyboard, ruler, velocity lane."""
