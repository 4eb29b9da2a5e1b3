"""Services the emulator lacks, each laid out as moto lays out one of its own (moto/<service>/): models.py holds the
backend state and what changes it, responses.py answers the service's operations as boto3's client would,
exceptions.py names the service's errors. local/stand_in_services.py serves them at the edge."""
