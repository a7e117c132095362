// Ends its own process in the middle of an invocation.
exports.handler = async () => {
  console.error("exiting");
  process.exit(3);
};
