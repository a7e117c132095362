def handler(event, context):
    print(event)
    raise Exception(f"Failed: {event.get('error_msg')}")
