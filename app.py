#!/usr/bin/env python3
"""CDK entry point: build the Strongroom app and synthesize it. No resources are defined here."""

from infrastructure.synth import build_app

if __name__ == "__main__":
    app, _ = build_app()
    app.synth()
