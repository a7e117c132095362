// Logs the event it received and answers with it (LocalStack's functions/lambda_echo.js).
exports.handler = async (event) => {
  console.log(event);
  return event;
};
