// First: summarizes {"numbers": [...]}; a bad event fails the invocation.
let invocations = 0;

export const handler = async (event: { numbers?: unknown }) => {
  invocations += 1;
  const numbers = event.numbers;
  if (!Array.isArray(numbers) || numbers.length === 0 || !numbers.every((n) => typeof n === "number")) {
    throw new TypeError("event.numbers must be a non-empty list of numbers");
  }
  const sum = numbers.reduce((a: number, b: number) => a + b, 0);
  console.log(JSON.stringify({ message: "summarized", count: numbers.length, sum, invocations }));
  return { count: numbers.length, sum, min: Math.min(...numbers), max: Math.max(...numbers) };
};
