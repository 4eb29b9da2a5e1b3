"""`strongroom`: a command for people, over AWS Backup's API (boto3's `backup` client) and nothing else."""
