"""Run synthesized cdktf stacks locally, the way AWS Lambda runs their asynchronous wiring."""
