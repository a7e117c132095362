// Never finishes within its timeout.
exports.handler = async () => {
  console.log("sleeping");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  return "woke up";
};
