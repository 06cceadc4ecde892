"""The assistant in the editor: the inference service, the candidates of a request, the side panel
and the ghost notes that show candidates in the piano roll."""
