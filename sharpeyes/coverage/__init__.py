"""sharpeyes.coverage"""
