"""sharpeyes.api"""
