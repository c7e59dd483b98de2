export const word: string = "extensionless";
