"""Command line: ``portraits build``, ``portraits territories check FILE``…"""
def main(argv=None):
    raise SystemExit("not yet")
