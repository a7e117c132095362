// A CommonJS callback handler: its answer is sent once the event loop is empty.
exports.handler = (event, context, callback) => {
  console.info("called back later");
  setTimeout(() => callback(null, { doubled: (event.n || 0) * 2 }), 20);
};
