def handler(event, context):
    if event.get("mode") == "failure":
        # The failure AWS recorded was raised on line 4 of index.py: this raise is on that line too.
        raise Exception("intentional failure!")
    return {"hello": "world", "test": "abc", "val": 5, "success": True}
