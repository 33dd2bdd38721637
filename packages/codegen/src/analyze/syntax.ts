/**
 * Small questions about syntax nodes that every part of the analysis asks: what a value is once
 * parentheses and type assertions are stripped, how to name a node in a message.
 *
 * @module
 */
import { type CallExpression, Node, SyntaxKind } from "ts-morph";

export function unwrapParentheses(node: Node): Node {
  return Node.isParenthesizedExpression(node) ? unwrapParentheses(node.getExpression()) : node;
}

/** Parentheses, `as const`, `satisfies …` and `!` change the type, never the value. */
export function unwrapValue(node: Node): Node {
  if (
    Node.isParenthesizedExpression(node) ||
    Node.isAsExpression(node) ||
    Node.isSatisfiesExpression(node) ||
    Node.isTypeAssertion(node) ||
    Node.isNonNullExpression(node)
  ) {
    return unwrapValue(node.getExpression());
  }
  return node;
}

/** The key an object literal's property is written with, when it is a literal. */
export function propertyKey(name: Node): string | undefined {
  if (Node.isIdentifier(name)) return name.getText();
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
  if (Node.isComputedPropertyName(name)) {
    const inner = unwrapValue(name.getExpression());
    if (Node.isStringLiteral(inner) || Node.isNoSubstitutionTemplateLiteral(inner)) return inner.getLiteralValue();
  }
  return undefined;
}

/** The option node `key: …` of a call's options object, for pointing at an explicit job name. */
export function findOption(call: CallExpression, key: string): Node | undefined {
  const [argument] = call.getArguments();
  const object = argument && unwrapValue(argument);
  if (!object || !Node.isObjectLiteralExpression(object)) return undefined;
  const property = object.getProperty(key);
  return Node.isPropertyAssignment(property) ? unwrapValue(property.getInitializerOrThrow()) : undefined;
}

export function isLiteralOfOtherKind(node: Node): boolean {
  return (
    Node.isStringLiteral(node) ||
    Node.isNoSubstitutionTemplateLiteral(node) ||
    Node.isNumericLiteral(node) ||
    Node.isBigIntLiteral(node) ||
    Node.isTrueLiteral(node) ||
    Node.isFalseLiteral(node) ||
    Node.isNullLiteral(node) ||
    Node.isArrayLiteralExpression(node) ||
    Node.isObjectLiteralExpression(node)
  );
}

export function describeExpression(node: Node): string {
  if (Node.isIdentifier(node)) return `the identifier \`${node.getText()}\``;
  if (Node.isPropertyAccessExpression(node)) return `the expression \`${node.getText()}\``;
  if (Node.isCallExpression(node)) return "a function call";
  if (Node.isTemplateExpression(node)) return "a template literal with substitutions";
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return "a string";
  if (Node.isNumericLiteral(node)) return "a number";
  if (Node.isBigIntLiteral(node)) return "a bigint";
  if (Node.isTrueLiteral(node) || Node.isFalseLiteral(node)) return "a boolean";
  if (Node.isNullLiteral(node)) return "null";
  if (Node.isArrayLiteralExpression(node)) return "an array";
  if (Node.isObjectLiteralExpression(node)) return "an object";
  return "a computed expression";
}

/** Names the thing a decorator stands on, for KILN_DECORATOR_TARGET messages. */
export function describeTarget(node: Node): string {
  if (Node.isMethodDeclaration(node)) return `a method (${node.getName()})`;
  if (Node.isPropertyDeclaration(node)) return `a property (${node.getName()})`;
  if (Node.isGetAccessorDeclaration(node)) return `a getter (${node.getName()})`;
  if (Node.isSetAccessorDeclaration(node)) return `a setter (${node.getName()})`;
  if (Node.isParameterDeclaration(node)) return `a parameter (${node.getName()})`;
  if (Node.isClassDeclaration(node)) return `a class (${node.getName() ?? "anonymous"})`;
  if (Node.isClassExpression(node)) return "a class expression";
  if (Node.isFunctionDeclaration(node)) return `a function (${node.getName() ?? "anonymous"})`;
  if (Node.isVariableStatement(node)) return "a variable declaration";
  return `a ${node.getKindName()}`;
}

/** `2`, `1.5`, `-1`, `+3`: the numbers an author writes as literals; undefined for anything else. */
export function signedNumericLiteral(node: Node): number | undefined {
  if (Node.isNumericLiteral(node)) return node.getLiteralValue();
  if (!Node.isPrefixUnaryExpression(node)) return undefined;
  const operand = unwrapParentheses(node.getOperand());
  if (!Node.isNumericLiteral(operand)) return undefined;
  const operator = node.getOperatorToken();
  if (operator === SyntaxKind.MinusToken) return -operand.getLiteralValue();
  return operator === SyntaxKind.PlusToken ? operand.getLiteralValue() : undefined;
}

export function isEmptyArray(node: Node): boolean {
  return Node.isArrayLiteralExpression(node) && node.getElements().length === 0;
}
