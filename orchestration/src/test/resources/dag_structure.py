"""Reads a generated lakeml DAG file with Python's ast module (no Airflow needed) and prints its
structure as JSON: the DAG's arguments, each task's operator and keyword arguments, and the edges
of every `tasks[a] >> tasks[b]` statement. Names (APP_JAR, PROJECT, ...) print as "$NAME"."""
import ast
import json
import sys


def value(node):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return "$" + node.id
    if isinstance(node, ast.List):
        return [value(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {value(k): value(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "timedelta":
        return {"timedelta_seconds": value(node.keywords[0].value)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return {"call": node.func.attr, "args": [value(a) for a in node.args],
                "kwargs": {k.arg: value(k.value) for k in node.keywords}}
    return {"unparsed": ast.dump(node)}


def task_key(node):
    # tasks["name"]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "tasks":
        return value(node.slice)
    raise ValueError("not a task reference: " + ast.dump(node))


def main(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    out = {"dag": None, "tasks": {}, "edges": [], "functions": [], "constants": {}}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out["functions"].append(node.name)
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            out["constants"][node.targets[0].id] = value(node.value)
        if isinstance(node, ast.With):
            call = node.items[0].context_expr
            out["dag"] = {k.arg: value(k.value) for k in call.keywords}
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call) and isinstance(stmt.targets[0], ast.Subscript):
                    key = task_key(stmt.targets[0])
                    kwargs = {k.arg: value(k.value) for k in stmt.value.keywords}
                    kwargs["operator"] = stmt.value.func.id
                    out["tasks"][key] = kwargs
                elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.RShift):
                    out["edges"].append([task_key(stmt.value.left), task_key(stmt.value.right)])
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
