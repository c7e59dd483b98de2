/** An enum: Node's type stripping refuses it (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX); tsx compiles it. */
export enum Color {
  Red = "red",
}
