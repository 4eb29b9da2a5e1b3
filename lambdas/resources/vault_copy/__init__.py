"""The copy-into-vault engine under the S3 and EFS adapters: the types whose recovery points Strongroom keeps in its
own vault storage bucket. state: the typed progress; walk: the resumable walk over a manifest; locks: S3 Object
Lock over a point; points: what the adapters share (state I/O, adoption, locks, deletion, copies' start,
progress). docs/copy-into-vault.md tells the design."""
