"""sharpeyes.demo"""
