from qualitytool.cli import entry

entry()
