"""EFS file systems on the copy-into-vault engine (lambdas/resources/vault_copy): adapter.py backs them up and
restores them; mover.py is what runs next to the file system (a Lambda function on AWS) over file_tree.py; spec.py
says what the type is. The local runtime's in-process mover is local/efs_in_process.py."""
