"""``python -m fairseq_mtl_plugin``: print the directory to give fairseq as ``--user-dir``."""
import os

print(os.path.dirname(os.path.abspath(__file__)))
