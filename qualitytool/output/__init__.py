"""The output formats of every command, registered in :mod:`qualitytool.output.registry`;
they sit above the engines and render what each returns (the renderers the engines share are
in :mod:`qualitytool.rendering`)."""
