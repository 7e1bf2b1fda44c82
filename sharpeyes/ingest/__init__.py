"""sharpeyes.ingest"""
