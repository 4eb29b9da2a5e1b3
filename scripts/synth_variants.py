"""Synthesize the stack with every optional context set (copy sources, EFS movers, an alert address), so that
`make checks` lints each optional resource too. The default template is not synthesized here: `make checks` lints
the one `make synth` (the CDK CLI) has just written to cdk.out/, the very template `cdk deploy` would deploy, rather
than pay a second synth of the same app (about 20 s of CPU, docs/testing.md).

    python -m scripts.synth_variants OUTDIR     -> OUTDIR/<variant>/Strongroom.template.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from infrastructure.synth import synthesize

EFS_FILE_SYSTEM = {
    "fileSystemId": "fs-0123456789abcdef0",
    "accessPointArn": "arn:aws:elasticfilesystem:eu-west-1:111111111111:access-point/fsap-0123456789abcdef0",
    "subnetIds": ["subnet-0123456789abcdef0"],
    "securityGroupIds": ["sg-0123456789abcdef0"],
}

VARIANTS: dict[str, dict[str, str]] = {
    "all-options": {
        "copy_source_accounts": "111111111111,222222222222",
        "efs_file_systems": json.dumps([EFS_FILE_SYSTEM]),
        "alert_email": "ops@example.com",
    },
}


def main(outdir: str) -> None:
    for name, context in VARIANTS.items():
        synthesize(context, outdir=str(Path(outdir) / name))


if __name__ == "__main__":
    main(sys.argv[1])
