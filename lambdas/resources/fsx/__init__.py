"""FSx for Windows File Server, Lustre and OpenZFS:
adapter.py backs them up and restores them; spec.py
says what the type is."""
