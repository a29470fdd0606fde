"""
The dotted path the comment purge task had before it moved next to its
service (see articles/tasks.py).
"""

from comments.services import purge_old_comments

__all__ = ["purge_old_comments"]
