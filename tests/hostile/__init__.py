"""The hostile-input table: adversarial inputs fed to ``visor`` as installed (issue 10)."""
