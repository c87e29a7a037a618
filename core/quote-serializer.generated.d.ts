// The type of the generated serializer; core/quote.ts narrows its input to a Quote.
declare const serialize: (value: object) => string;
export default serialize;
