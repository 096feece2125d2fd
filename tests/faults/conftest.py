"""The fault suite: each test breaks a real stack the way an operator or the
network would (the database stopped, killed, cut off; a daemon frozen) and
asserts what must hold afterwards. No shared stack: every fault needs its
own, and the tests start them (several at once, in threads)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))                               # zqstack
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))  # sched_util, api_util
