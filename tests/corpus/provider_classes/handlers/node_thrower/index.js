// An async handler that throws: Node.js reports errorType, errorMessage and trace.
exports.handler = async (event) => {
  throw Error(`Error: ${event.error_msg}`);
};
