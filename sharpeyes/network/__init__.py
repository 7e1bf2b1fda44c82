"""sharpeyes.network"""
