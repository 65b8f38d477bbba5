"""processed"""
