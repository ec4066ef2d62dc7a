"""The AST of the filter language (built by ``expressions.Parser``), with two helpers:
``names`` (every name a tree reads) and ``unparse`` (canonical text for messages)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    pos: int = field(default=0, kw_only=True)


@dataclass
class Num(Node):
    value: float


@dataclass
class Str(Node):
    value: str


@dataclass
class Name(Node):
    id: str


@dataclass
class Call(Node):
    fn: str
    args: list


@dataclass
class Unary(Node):
    op: str
    operand: Node


@dataclass
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass
class Between(Node):
    subject: Node
    low: Node
    high: Node
    negate: bool = False


@dataclass
class InList(Node):
    subject: Node
    items: list  # of Num | Str
    negate: bool = False


@dataclass
class IsMissing(Node):
    subject: Node
    negate: bool = False


@dataclass
class BoolOp(Node):
    op: str  # and | or
    left: Node
    right: Node


@dataclass
class Not(Node):
    operand: Node


@dataclass
class BoolConst(Node):
    value: bool


def names(node: Node) -> list[str]:
    """Every Name in the tree, in reading order, without duplicates."""
    out: list[str] = []

    def walk(n):
        if isinstance(n, Name) and n.id not in out:
            out.append(n.id)
        for v in vars(n).values():
            if isinstance(v, Node):
                walk(v)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, Node):
                        walk(x)

    walk(node)
    return out


def unparse(node: Node) -> str:
    """Canonical text of a node (for messages and column headers)."""
    if isinstance(node, Num):
        return f"{node.value:g}"
    if isinstance(node, Str):
        return repr(node.value)
    if isinstance(node, Name):
        return node.id
    if isinstance(node, BoolConst):
        return "true" if node.value else "false"
    if isinstance(node, Call):
        return f"{node.fn}({', '.join(unparse(a) for a in node.args)})"
    if isinstance(node, Unary):
        return f"-{unparse(node.operand)}"
    if isinstance(node, BinOp):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if isinstance(node, Compare):
        return f"{unparse(node.left)} {node.op} {unparse(node.right)}"
    if isinstance(node, Between):
        neg = "not " if node.negate else ""
        return f"{unparse(node.subject)} {neg}between {unparse(node.low)} and {unparse(node.high)}"
    if isinstance(node, InList):
        neg = "not " if node.negate else ""
        return f"{unparse(node.subject)} {neg}in [{', '.join(unparse(i) for i in node.items)}]"
    if isinstance(node, IsMissing):
        return f"{unparse(node.subject)} is {'not ' if node.negate else ''}missing"
    if isinstance(node, BoolOp):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    if isinstance(node, Not):
        return f"not {unparse(node.operand)}"
    raise TypeError(node)
