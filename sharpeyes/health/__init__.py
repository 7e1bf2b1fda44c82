"""sharpeyes.health"""
