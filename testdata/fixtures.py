#!/usr/bin/env python3
"""Writes kmsguard's own test plans under testdata/ (standard library only).

Each scenario is built in the shape `terraform show -json` gives for the hashicorp/aws
provider: resource_changes with before/after/after_unknown, prior_state, planned_values and
configuration. Run it after changing a scenario and review the diff of the JSON files:

    python3 testdata/fixtures.py

The JSON files are committed; the tests read them, not this script.
"""

import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ACCT = "111122223333"
OTHER = "444455556666"
ROOT = f"arn:aws:iam::{ACCT}:root"
PROVIDER = "registry.terraform.io/hashicorp/aws"
KEY_UUIDS = iter(
    [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "2234abcd-12ab-34cd-56ef-1234567890ab",
        "3234abcd-12ab-34cd-56ef-1234567890ab",
        "4234abcd-12ab-34cd-56ef-1234567890ab",
        "5234abcd-12ab-34cd-56ef-1234567890ab",
        "6234abcd-12ab-34cd-56ef-1234567890ab",
        "7234abcd-12ab-34cd-56ef-1234567890ab",
        "8234abcd-12ab-34cd-56ef-1234567890ab",
    ]
    * 20
)


def policy(*statements, style="jsonencode"):
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    if style == "jsonencode":
        return json.dumps(doc, separators=(",", ":"), sort_keys=True)
    # the AWS API's pretty form
    return json.dumps(doc, indent=2)


def stmt(sid, principal, actions, effect="Allow", condition=None):
    s = {"Sid": sid, "Effect": effect, "Principal": principal, "Action": actions, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    return s


ROOT_STMT = stmt("Enable IAM User Permissions", {"AWS": ROOT}, "kms:*")
ADMIN_ACTIONS = [
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
]
USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def role_arn(name, path="/", acct=ACCT):
    return f"arn:aws:iam::{acct}:role{path}{name}"


def user_arn(name, path="/", acct=ACCT):
    return f"arn:aws:iam::{acct}:user{path}{name}"


class Plan:
    """Accumulates resources and renders a plan document."""

    def __init__(self, tf_version="1.9.5", fv="1.2"):
        self.fv = fv
        self.tf_version = tf_version
        self.changes = []
        self.prior = []  # (module, resource)
        self.planned = []
        self.config = []  # (module path list, config resource)
        self.caller = True
        self.calls = {}  # module path tuple -> {"expressions", "variables", "outputs"}
        self.variables = {}  # root module variable values

    def module_call(self, path, expressions=None, variables=None, outputs=None):
        """Arguments, variables and outputs of the module called at `path` (a list of call names)."""
        self.calls[tuple(path)] = {"expressions": expressions or {}, "variables": variables or {},
                                   "outputs": outputs or {}}

    # -- generic ---------------------------------------------------------------------------
    def resource(self, rtype, name, actions, before, after, after_unknown=None, module="", index=None,
                 config_exprs=None, action_reason=None, replace_paths=None, mode="managed"):
        address = ("data." if mode == "data" else "") + f"{rtype}.{name}"
        if index is not None:
            address += "[" + json.dumps(index) + "]"
        if module:
            address = f"{module}.{address}"
        rc = {"address": address}
        if module:
            rc["module_address"] = module
        rc.update({"mode": mode, "type": rtype, "name": name})
        if index is not None:
            rc["index"] = index
        rc["provider_name"] = PROVIDER
        change = {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
            "before_sensitive": {} if before is not None else False,
            "after_sensitive": {} if after is not None else False,
        }
        if replace_paths:
            change["replace_paths"] = replace_paths
        rc["change"] = change
        if action_reason:
            rc["action_reason"] = action_reason
        self.changes.append(rc)

        def value_res(values):
            r = {"address": address, "mode": mode, "type": rtype, "name": name}
            if index is not None:
                r["index"] = index
            r.update({"provider_name": PROVIDER, "schema_version": 0, "values": values, "sensitive_values": {}})
            return r

        if before is not None:
            self.prior.append((module, value_res(before)))
        if after is not None:
            self.planned.append((module, value_res(after)))
        cfg_address = ("data." if mode == "data" else "") + f"{rtype}.{name}"
        if config_exprs is not None and not any(
            p == module_path(module) and c["address"] == cfg_address for p, c in self.config
        ):
            cfg = {
                "address": cfg_address,
                "mode": mode,
                "type": rtype,
                "name": name,
                "provider_config_key": "aws",
                "expressions": config_exprs,
                "schema_version": 0,
            }
            self.config.append((module_path(module), cfg))
        return address

    # -- IAM -------------------------------------------------------------------------------
    def role(self, name, actions=("no-op",), path="/", new_path=None, module="", index=None, uid=None,
             rname=None, tags=None):
        rname = rname or name.replace("-", "_")
        uid = uid or ("AROA" + (name.upper().replace("-", "").replace("_", "") + "X" * 20)[:16])
        before = {
            "arn": role_arn(name, path),
            "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "sts:AssumeRole"}]}),
            "description": "",
            "force_detach_policies": False,
            "id": name,
            "managed_policy_arns": [],
            "max_session_duration": 3600,
            "name": name,
            "name_prefix": "",
            "path": path,
            "permissions_boundary": None,
            "tags": tags,
            "tags_all": tags or {},
            "unique_id": uid,
        }
        actions = list(actions)
        after = copy.deepcopy(before)
        unknown = {}
        reason = None
        rpaths = None
        if actions == ["create"]:
            for k in ("arn", "id", "unique_id", "create_date"):
                after.pop(k, None)
            unknown = {"arn": True, "id": True, "unique_id": True, "create_date": True, "tags_all": True}
            before = None
        elif actions in (["delete", "create"], ["create", "delete"]):
            for k in ("arn", "id", "unique_id"):
                after.pop(k)
            unknown = {"arn": True, "id": True, "unique_id": True}
            if new_path:
                after["path"] = new_path
                rpaths = [["path"]]
            reason = "replace_because_cannot_update" if rpaths else "replace_by_request"
        elif actions == ["delete"]:
            after = None
            reason = "delete_because_no_resource_config"
        exprs = {"name": {"constant_value": name}, "path": {"constant_value": after["path"] if after else path},
                 "assume_role_policy": {}}
        return self.resource("aws_iam_role", rname, actions, before, after, unknown, module, index,
                             None if actions == ["delete"] else exprs, reason, rpaths)

    def user(self, name, actions=("no-op",), path="/", new_name=None, module="", uid=None, rname=None):
        rname = rname or name.replace("-", "_").replace(".", "_")
        uid = uid or ("AIDA" + (name.upper().replace("-", "").replace(".", "") + "Y" * 20)[:16])
        before = {"arn": user_arn(name, path), "force_destroy": False, "id": name, "name": name, "path": path,
                  "permissions_boundary": None, "tags": None, "tags_all": {}, "unique_id": uid}
        actions = list(actions)
        after = copy.deepcopy(before)
        unknown = {}
        if actions == ["update"] and new_name:
            after["name"] = new_name
            after.pop("arn")
            after["id"] = new_name
            unknown = {"arn": True}
        elif actions == ["delete"]:
            after = None
        elif actions == ["create"]:
            before = None
            for k in ("arn", "id", "unique_id"):
                after.pop(k)
            unknown = {"arn": True, "id": True, "unique_id": True}
        return self.resource("aws_iam_user", rname, actions, before, after, unknown, module, None,
                             None if actions == ["delete"] else {"name": {"constant_value": (after or before)["name"]}})

    # -- KMS -------------------------------------------------------------------------------
    def key(self, rname, pol_before, pol_after=None, actions=("no-op",), module="", index=None, bypass=False,
            policy_expr="constant", rtype="aws_kms_key", description="managed by terraform"):
        """pol_after: a policy string; None = unchanged; "UNKNOWN" = known after apply;
        "UNSET" = not set in the configuration (created keys get the default policy)."""
        actions = list(actions)
        kid = next(KEY_UUIDS)
        arn = f"arn:aws:kms:us-east-1:{ACCT}:key/{kid}"
        base = {
            "arn": arn,
            "bypass_policy_lockout_safety_check": bypass,
            "customer_master_key_spec": "SYMMETRIC_DEFAULT",
            "deletion_window_in_days": 30,
            "description": description,
            "enable_key_rotation": True,
            "id": kid,
            "is_enabled": True,
            "key_id": kid,
            "key_usage": "ENCRYPT_DECRYPT",
            "multi_region": False,
            "policy": pol_before,
            "rotation_period_in_days": 365,
            "tags": None,
            "tags_all": {},
            "xks_key_id": "",
        }
        before = copy.deepcopy(base)
        after = copy.deepcopy(base)
        unknown = {}
        if pol_after is None:
            pol_after = pol_before
        if pol_after in ("UNKNOWN", "UNSET"):
            after.pop("policy")
            unknown["policy"] = True
        else:
            after["policy"] = pol_after
        if actions == ["create"]:
            before = None
            for k in ("arn", "id", "key_id"):
                after.pop(k)
                unknown[k] = True
        elif actions == ["delete"]:
            after = None
            unknown = {}
        elif actions in (["delete", "create"], ["create", "delete"]):
            for k in ("arn", "id", "key_id"):
                after.pop(k)
                unknown[k] = True
        exprs = {"description": {"constant_value": description}}
        if bypass:
            exprs["bypass_policy_lockout_safety_check"] = {"constant_value": True}
        if pol_after != "UNSET":
            if policy_expr == "constant" and pol_after != "UNKNOWN":
                exprs["policy"] = {"constant_value": pol_after}
            elif isinstance(policy_expr, list):
                exprs["policy"] = {"references": policy_expr}
            else:
                exprs["policy"] = {}
        self.resource(rtype, rname, actions, before, after, unknown, module, index,
                      None if actions == ["delete"] else exprs,
                      "replace_by_request" if len(actions) == 2 else None)
        return kid

    def key_policy(self, rname, key_id, pol_before, pol_after=None, actions=("no-op",), module="",
                   key_ref=None, bypass=False):
        actions = list(actions)
        before = {"bypass_policy_lockout_safety_check": bypass, "id": key_id, "key_id": key_id, "policy": pol_before}
        after = copy.deepcopy(before)
        unknown = {}
        if pol_after is not None:
            after["policy"] = pol_after
        if actions == ["create"]:
            before = None
            after.pop("id")
            unknown["id"] = True
            if key_id is None:
                after.pop("key_id")
                unknown["key_id"] = True
        elif actions == ["delete"]:
            after = None
        exprs = {"key_id": {"references": key_ref} if key_ref else {"constant_value": key_id},
                 "policy": {"constant_value": (after or before)["policy"]}}
        return self.resource("aws_kms_key_policy", rname, actions, before, after, unknown, module, None,
                             None if actions == ["delete"] else exprs)

    # -- rendering -------------------------------------------------------------------------
    def render(self):
        def tree(items):
            root = {"resources": [], "child_modules": []}
            mods = {}
            for module, r in items:
                if not module:
                    root["resources"].append(r)
                    continue
                parts = split_module(module)
                parent = root
                for i in range(1, len(parts) + 1):
                    addr = ".".join(parts[:i])
                    if addr not in mods:
                        mods[addr] = {"address": addr, "resources": [], "child_modules": []}
                        parent["child_modules"].append(mods[addr])
                    parent = mods[addr]
                parent["resources"].append(r)

            def clean(m):
                m["resources"].sort(key=lambda r: r["address"])
                for c in m["child_modules"]:
                    clean(c)
                m["child_modules"].sort(key=lambda c: c["address"])
                if not m["resources"]:
                    del m["resources"]
                if not m["child_modules"]:
                    del m["child_modules"]
            clean(root)
            return root

        caller = ("", {"address": "data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity",
                       "name": "current", "provider_name": PROVIDER, "schema_version": 0,
                       "values": {"account_id": ACCT, "arn": f"arn:aws:sts::{ACCT}:assumed-role/terraform/ci",
                                  "id": ACCT, "user_id": "AROATERRAFORMCIXXXXXX:ci"}, "sensitive_values": {}})
        prior = list(self.prior) + ([caller] if self.caller else [])

        config_root = {"resources": [], "module_calls": {}}

        def call_node(path):
            node = config_root
            for i, call in enumerate(path):
                mc = node["module_calls"].setdefault(call, {"source": f"./modules/{call}", "module": {"resources": [], "module_calls": {}}})
                extra = self.calls.get(tuple(path[:i + 1]))
                if extra:
                    if extra["expressions"]:
                        mc["expressions"] = extra["expressions"]
                    if extra["variables"]:
                        mc["module"]["variables"] = extra["variables"]
                    if extra["outputs"]:
                        mc["module"]["outputs"] = extra["outputs"]
                node = mc["module"]
            return node

        for path, cfg in self.config:
            call_node(path)["resources"].append(cfg)
        for path in self.calls:
            call_node(list(path))

        def clean_cfg(m):
            for c in m["module_calls"].values():
                clean_cfg(c["module"])
            if not m["module_calls"]:
                del m["module_calls"]
            if not m["resources"]:
                del m["resources"]
        clean_cfg(config_root)

        doc = {
            "format_version": self.fv,
            "terraform_version": self.tf_version,
            "planned_values": {"root_module": tree(self.planned)},
            "resource_changes": sorted(self.changes, key=lambda c: c["address"]),
            **({"variables": {k: {"value": v} for k, v in self.variables.items()}} if self.variables else {}),
            "prior_state": {"format_version": "1.0", "terraform_version": self.tf_version,
                            "values": {"root_module": tree(prior)}},
            "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER,
                                                          "expressions": {"region": {"constant_value": "us-east-1"}}}},
                              "root_module": config_root},
            "timestamp": "2026-11-28T10:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }
        return doc


def split_module(module):
    """module.a["x.y"].module.b -> ['module.a["x.y"]', 'module.a["x.y"].module.b'] parts."""
    parts, cur, i, depth_q = [], "", 0, False
    tokens = []
    while i < len(module):
        c = module[i]
        if c == '"':
            depth_q = not depth_q
        if c == "." and not depth_q and module[i + 1:].startswith("module.") and cur:
            tokens.append(cur)
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    tokens.append(cur)
    return tokens


def module_path(module):
    if not module:
        return []
    out = []
    for t in split_module(module):
        name = t[len("module."):]
        out.append(name.split("[")[0])
    return out


def state(plan):
    """A `terraform show -json` state document with everything the plan's prior state has."""
    d = plan.render()
    return {"format_version": "1.0", "terraform_version": plan.tf_version, "values": d["prior_state"]["values"]}


def write(relpath, doc):
    path = os.path.join(HERE, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")


def admin_only(arn, sid="Allow access for Key Administrators"):
    return stmt(sid, {"AWS": arn}, ADMIN_ACTIONS)


def usage(arn):
    return stmt("Allow use of the key", {"AWS": arn}, USE_ACTIONS)


# -- aws_iam_policy_document ------------------------------------------------------------------
U = "<unknown>"  # an element known only after apply, in document specs


def doc_stmt(actions=None, resources=None, principals=(), not_principals=(), conditions=(), sid=None,
             effect=None, not_actions=None, not_resources=None, refs=None):
    """A statement block. principals: [(type, [identifiers, U for unknown])]; conditions:
    [(test, variable, [values])]. refs: attribute path -> the configuration's references for
    it, e.g. {"principals.0.identifiers": ["aws_iam_role.a.arn", "aws_iam_role.a"]}."""
    return {"sid": sid, "effect": effect, "actions": actions, "not_actions": not_actions, "resources": resources,
            "not_resources": not_resources, "principals": list(principals), "not_principals": list(not_principals),
            "conditions": list(conditions), "refs": refs or {}}


def _list(values):
    """(after, after_unknown flags) of a string list with U for unknown elements."""
    if values is None:
        return None, None
    return [None if v == U else v for v in values], [v == U for v in values]


def _expr(values, refs):
    if refs is not None:
        return {"references": refs}
    return {"constant_value": values}


def doc_args(statements, source_docs=None):
    """after, after_unknown and configuration expressions of a policy document."""
    after_st, unknown_st, cfg_st = [], [], []
    for st in statements:
        a, u, c = {}, {}, {}
        for f in ("actions", "not_actions", "resources", "not_resources"):
            a[f], flags = _list(st[f])
            if flags is not None:
                u[f] = flags
                c[f] = _expr(st[f], st["refs"].get(f))
        for f in ("principals", "not_principals"):
            a[f], u[f], c[f] = [], [], []
            for j, (ptype, ids) in enumerate(st[f]):
                ai, ui = _list(ids)
                a[f].append({"identifiers": ai, "type": ptype})
                u[f].append({"identifiers": ui})
                c[f].append({"type": {"constant_value": ptype}, "identifiers": _expr(ids, st["refs"].get(f"{f}.{j}.identifiers"))})
            if not c[f]:
                del c[f]
        a["condition"], u["condition"], cc = [], [], []
        for test, var, values in st["conditions"]:
            av, uv = _list(values)
            a["condition"].append({"test": test, "values": av, "variable": var})
            u["condition"].append({"values": uv})
            cc.append({"test": {"constant_value": test}, "variable": {"constant_value": var},
                       "values": _expr(values, st["refs"].get("condition.values"))})
        if cc:
            c["condition"] = cc
        a["effect"] = st["effect"]
        a["sid"] = st["sid"]
        if st["effect"]:
            c["effect"] = {"constant_value": st["effect"]}
        if st["sid"]:
            c["sid"] = {"constant_value": st["sid"]}
        after_st.append(dict(sorted(a.items())))
        unknown_st.append(u)
        cfg_st.append(c)
    after = {"id": None, "json": None, "minified_json": None, "override_json": None, "override_policy_documents": None,
             "policy_id": None, "source_json": None, "source_policy_documents": None, "statement": after_st,
             "version": None}
    unknown = {"id": True, "json": True, "minified_json": True, "statement": unknown_st}
    cfg = {"statement": cfg_st}
    if source_docs is not None:
        known, refs = source_docs
        after["source_policy_documents"] = [None if d == U else d for d in known]
        unknown["source_policy_documents"] = [d == U for d in known]
        cfg["source_policy_documents"] = {"references": refs}
    return after, unknown, cfg


def render_doc(statements):
    """The JSON the provider renders for known statements (read during the plan)."""
    out = []
    for st in statements:
        s = {}
        if st["sid"]:
            s["Sid"] = st["sid"]
        s["Effect"] = st["effect"] or "Allow"
        one = lambda v: v[0] if len(v) == 1 else sorted(v)
        if st["actions"]:
            s["Action"] = one(st["actions"])
        if st["resources"]:
            s["Resource"] = one(st["resources"])
        if st["principals"]:
            s["Principal"] = {t: one(ids) for t, ids in st["principals"]}
        if st["conditions"]:
            cond = {}
            for test, var, values in st["conditions"]:
                cond.setdefault(test, {})[var] = one(values)
            s["Condition"] = cond
        out.append(s)
    return json.dumps({"Version": "2012-10-17", "Statement": out}, indent=2)


def deferred_doc(p, name, statements, module="", source_docs=None, index=None):
    """A policy document read at apply time (it references something the apply computes)."""
    after, unknown, cfg = doc_args(statements, source_docs)
    return p.resource("aws_iam_policy_document", name, ["read"], None, after, unknown, module, index, mode="data",
                      config_exprs=cfg, action_reason="read_because_config_unknown")


def read_doc(p, name, statements, module=""):
    """A policy document read during the plan: only in prior_state, with its JSON."""
    after, _, cfg = doc_args(statements)
    after.update(id="1234567890", json=render_doc(statements), minified_json=None)
    after["minified_json"] = json.dumps(json.loads(after["json"]), separators=(",", ":"))
    address = p.resource("aws_iam_policy_document", name, ["read"], None, after, {}, module, mode="data",
                         config_exprs=cfg)
    # Read during the plan: not a resource change, only a prior_state entry.
    rc = p.changes.pop()
    p.planned.pop()
    r = {"address": rc["address"], "mode": "data", "type": "aws_iam_policy_document", "name": name,
         "provider_name": PROVIDER, "schema_version": 0, "values": after, "sensitive_values": {}}
    p.prior.append((module, r))
    return address


def main():
    admin = role_arn("kms-admin")
    app = role_arn("app")

    # The Quick start example: the admin role is replaced (its path changes), the key policy
    # names it in Principal, nothing else can manage the key.
    p = Plan()
    p.role("kms-admin", ["delete", "create"], path="/", new_path="/platform/")
    p.role("app")
    p.key("data", policy(admin_only(admin), usage(app), style="pretty"))
    p.key("logs", policy(ROOT_STMT, usage(app)))
    write("examples/lockout-plan.json", p.render())

    # key-locked-out, positive: replaced role named in Principal (same ARN again after).
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    p.key("data", policy(admin_only(admin), usage(app)))
    p.role("app")
    write("key-locked-out/role-replaced.json", p.render())

    # key-locked-out, positive: create_before_destroy replacement.
    p = Plan()
    p.role("kms-admin", ["create", "delete"])
    p.key("data", policy(admin_only(admin)))
    write("key-locked-out/role-replaced-create-before-destroy.json", p.render())

    # key-locked-out, positive: the admin role and user are deleted; the key is not touched.
    p = Plan()
    p.role("kms-admin", ["delete"])
    p.user("alice", ["delete"])
    p.key("data", policy(stmt("Admins", {"AWS": [admin, user_arn("alice")]}, "kms:*")))
    write("key-locked-out/admins-deleted.json", p.render())

    # key-locked-out, positive: a policy update drops the root statement.
    p = Plan()
    p.role("app")
    p.key("data", policy(ROOT_STMT, usage(app)), policy(usage(app)), ["update"])
    write("key-locked-out/root-statement-removed.json", p.render())

    # key-locked-out, positive: an aws_kms_key_policy update; the key's own attribute is stale.
    p = Plan()
    p.role("kms-admin", ["delete"])
    kid = p.key("data", policy(ROOT_STMT))
    p.key_policy("data", kid, policy(ROOT_STMT), policy(admin_only(admin)), ["update"])
    write("key-locked-out/key-policy-resource.json", p.render())

    # key-locked-out, negative: the same IAM change, but the policy keeps the account root.
    # Also principal-orphaned, positive.
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    p.key("data", policy(ROOT_STMT, admin_only(admin)))
    write("principal-orphaned/root-kept.json", p.render())

    # principal-orphaned and key-locked-out, negative: admin through an aws:PrincipalArn
    # condition survives the replacement.
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    p.key("data", policy(stmt("KeyAdministration", {"AWS": "*"}, "kms:*",
                               condition={"ArnLike": {"aws:PrincipalArn": [ROOT, admin]}})))
    write("principal-orphaned/condition-survives-replacement.json", p.render())

    # key-recoverable-only, positive: admin only through a condition, and the role is deleted.
    p = Plan()
    p.role("kms-admin", ["delete"])
    p.key("data", policy(stmt("KeyAdministration", {"AWS": "*"}, "kms:*",
                               condition={"ArnEquals": {"aws:PrincipalArn": admin}}),
                          usage(app)))
    p.role("app")
    write("key-recoverable-only/condition-role-deleted.json", p.render())

    # key-recoverable-only, positive: deny everyone but breakglass; breakglass is deleted.
    bg = role_arn("breakglass", "/emergency/")
    deny_all_but_bg = stmt("DenyPolicyChangesExceptBreakglass", "*", ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"],
                           effect="Deny", condition={"ArnNotEquals": {"aws:PrincipalArn": bg}})
    p = Plan()
    p.role("breakglass", ["delete"], path="/emergency/")
    p.key("data", policy(ROOT_STMT, deny_all_but_bg))
    write("key-recoverable-only/breakglass-deleted.json", p.render())

    # key-recoverable-only, negative: breakglass is kept.
    p = Plan()
    p.role("breakglass", path="/emergency/")
    p.key("data", policy(ROOT_STMT, deny_all_but_bg))
    write("key-recoverable-only/breakglass-kept.json", p.render())

    # Only breakglass may manage, and a NotPrincipal Deny exempts it; it is replaced: locked
    # out (both bind the old unique ID; the recreated role is not allowed and is denied).
    p = Plan()
    p.role("breakglass", ["delete", "create"], path="/emergency/")
    p.key("data", policy(admin_only(bg, "Breakglass"), {"Sid": "DenyAllButBreakglass", "Effect": "Deny",
                                      "NotPrincipal": {"AWS": [bg, ROOT]}, "Action": "kms:*", "Resource": "*"}))
    write("key-locked-out/not-principal-breakglass-replaced.json", p.render())

    # policy-unknown, positive: a created key whose policy document has a dynamic principals
    # block over the roles the plan creates: the blocks themselves are unknown until apply
    # (and the configuration does not show dynamic blocks).
    p = Plan()
    p.role("kms-admin", ["create"])
    p.resource("aws_iam_policy_document", "data", ["read"], None, {"id": None, "statement": [{"actions": ["kms:*"]}]},
               {"id": True, "json": True, "statement": [{"principals": True}]}, mode="data",
               config_exprs={"statement": [{"actions": {"constant_value": ["kms:*"]}, "resources": {"constant_value": ["*"]}}]},
               action_reason="read_because_config_unknown")
    p.key("data", None, "UNKNOWN", ["create"], policy_expr=["data.aws_iam_policy_document.data.json",
                                                             "data.aws_iam_policy_document.data"])
    write("policy-unknown/created-with-computed-policy.json", p.render())

    # policy-unknown, negative: a created key with no policy gets the default key policy.
    p = Plan()
    p.key("data", None, "UNSET", ["create"])
    write("policy-unknown/created-with-default-policy.json", p.render())

    # policy-unknown, positive: a condition on aws:PrincipalOrgID cannot be decided.
    p = Plan()
    p.key("data", policy(stmt("OrgAdmins", "*", "kms:*", condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})))
    write("policy-unknown/org-condition.json", p.render())

    # lockout-check-bypassed, positive and negative.
    p = Plan()
    p.key("data", policy(ROOT_STMT), None, ["update"], bypass=True)
    write("lockout-check-bypassed/bypass-set.json", p.render())
    p = Plan()
    p.key("data", policy(ROOT_STMT), None, ["update"], bypass=False)
    write("lockout-check-bypassed/bypass-unset.json", p.render())

    # already-locked-out, positive: the policy shows the bare unique ID of a role deleted
    # long ago; the plan only tags the key.
    p = Plan()
    p.key("data", policy(admin_only("AROAOLDADMINROLEXXXXX")), None, ["update"])
    write("already-locked-out/orphaned-before.json", p.render())
    # already-locked-out, negative: a plan that fixes it (adds the root statement).
    p = Plan()
    p.key("data", policy(admin_only("AROAOLDADMINROLEXXXXX")), policy(ROOT_STMT), ["update"])
    write("already-locked-out/fixed-by-plan.json", p.render())

    # policy-invalid, positive (and a second key that is still checked).
    p = Plan()
    p.role("kms-admin", ["delete"])
    p.key("broken", policy(ROOT_STMT), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",', ["update"])
    p.key("data", policy(admin_only(admin)))
    write("policy-invalid/truncated-policy.json", p.render())
    # policy-invalid, positive: valid JSON, wrong types.
    p = Plan()
    p.key("data", policy(ROOT_STMT), json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Principal": {"AWS": ROOT}, "Action": "kms:*"}]}), ["update"])
    write("policy-invalid/wrong-effect.json", p.render())
    # policy-invalid, negative: a single statement object and string forms are valid.
    p = Plan()
    p.key("data", policy(ROOT_STMT), json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "kms:*", "Resource": "*"}}), ["update"])
    write("policy-invalid/single-statement-object.json", p.render())

    # Modules: keys and roles in nested modules with for_each keys that need quoting.
    p = Plan()
    m = 'module.platform["eu-west-1"].module.kms'
    p.role("kms-admin-eu", ["delete", "create"], module='module.platform["eu-west-1"]', rname="admin", index='team "a"')
    p.key("this", policy(admin_only(role_arn("kms-admin-eu"))), module=m, index="data.v1")
    p.key("this", policy(ROOT_STMT, admin_only(role_arn("kms-admin-eu"))), module=m, index="logs")
    write("modules/nested-for-each.json", p.render())

    # Users: renamed in place keeps its unique ID (Principal follows it) ...
    p = Plan()
    p.user("alice", ["update"], new_name="alice.smith")
    p.key("data", policy(stmt("Admin", {"AWS": user_arn("alice")}, "kms:*")))
    write("users/renamed-in-place.json", p.render())
    # ... but breaks a condition written with the old name.
    p = Plan()
    p.user("alice", ["update"], new_name="alice.smith")
    p.key("data", policy(stmt("Admin", "*", "kms:*", condition={"StringEquals": {"aws:username": "alice"}})))
    write("users/renamed-breaks-username-condition.json", p.render())

    # Cross-account only: a partner's root with kms:* does not manage our key.
    p = Plan()
    p.key("shared", policy(stmt("Partner", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:*")),
          policy(stmt("Partner", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:*"), ROOT_STMT), ["update"])
    p.key("partner_only", policy(ROOT_STMT), policy(stmt("Partner", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "kms:*")), ["update"])
    write("cross-account/partner-root.json", p.render())

    # Unmanaged admin: an ARN no input manages is assumed to exist.
    p = Plan()
    p.key("data", policy(admin_only(role_arn("external-admin"))))
    write("assumed/external-admin.json", p.render())

    # Multi-input: KMS lives in one workspace, IAM in another.
    p = Plan()
    p.caller = True
    p.key("data", policy(admin_only(role_arn("kms-admin", "/platform/")), usage(app)))
    write("multi/kms-workspace.json", p.render())
    p = Plan()
    p.role("kms-admin", ["delete"], path="/platform/")
    p.role("app")
    write("multi/iam-workspace.json", p.render())

    # State input: the key's workspace given as a state, the IAM change as a plan.
    p = Plan()
    p.key("data", policy(admin_only(role_arn("kms-admin", "/platform/"))))
    write("state/kms-state.json", state(p))

    # Key deleted: no verdict after, no finding.
    p = Plan()
    p.role("kms-admin", ["delete"])
    p.key("old", policy(admin_only(admin)), None, ["delete"])
    write("lifecycle/key-deleted.json", p.render())

    # Older format: a Terraform 0.12-style plan (format 0.1, short provider names).
    p = Plan(tf_version="0.12.31", fv="0.1")
    p.role("kms-admin", ["delete"])
    p.key("data", policy(admin_only(admin)))
    d = p.render()
    for rc in d["resource_changes"]:
        rc["provider_name"] = "aws"
        rc["change"].pop("before_sensitive", None)
        rc["change"].pop("after_sensitive", None)
    for k in ("timestamp", "applyable", "complete", "errored"):
        d.pop(k)
    write("formats/terraform-0.12.json", d)

    # OpenTofu: the same plan with OpenTofu's provider addresses and version.
    p = Plan(tf_version="1.10.0")
    p.role("kms-admin", ["delete", "create"])
    p.key("data", policy(admin_only(admin)))
    d = p.render()
    d = json.loads(json.dumps(d).replace("registry.terraform.io", "registry.opentofu.org"))
    for k in ("applyable", "complete"):
        d.pop(k)
    write("formats/opentofu.json", d)

    # IAM Identity Center: the key names the SSO role of a permission set the plan replaces.
    sso_role = f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KmsAdmin_0123456789abcdef"
    sso_pattern = f"arn:aws:iam::{ACCT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KmsAdmin_*"
    ps_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-0123456789abcdef"
    ps = {"arn": ps_arn, "id": ps_arn, "instance_arn": "arn:aws:sso:::instance/ssoins-1234567890abcdef",
          "name": "KmsAdmin", "session_duration": "PT1H", "tags": None, "tags_all": {}}

    def sso_plan(ps_actions, assignment_actions, statement):
        p = Plan()
        after = dict(ps, name="KmsAdmin") if ps_actions != ["delete"] else None
        unknown = {"arn": True, "id": True} if len(ps_actions) == 2 else {}
        if after is not None and unknown:
            after = {k: v for k, v in after.items() if k not in ("arn", "id")}
        p.resource("aws_ssoadmin_permission_set", "kms_admin", ps_actions, ps, after, unknown,
                   config_exprs=None if ps_actions == ["delete"] else {"name": {"constant_value": "KmsAdmin"}})
        assignment = {"id": f"{ACCT},AWS_ACCOUNT,{ps_arn}", "instance_arn": ps["instance_arn"], "permission_set_arn": ps_arn,
                      "principal_id": "g-123", "principal_type": "GROUP", "target_id": ACCT, "target_type": "AWS_ACCOUNT"}
        p.resource("aws_ssoadmin_account_assignment", "kms_admin", assignment_actions, assignment,
                   None if assignment_actions == ["delete"] else assignment, {},
                   config_exprs=None if assignment_actions == ["delete"] else {"target_id": {"constant_value": ACCT}})
        p.key("data", policy(statement))
        return p.render()

    write("sso/permission-set-replaced.json", sso_plan(["delete", "create"], ["no-op"], admin_only(sso_role)))
    write("sso/pattern-survives-replacement.json", sso_plan(["delete", "create"], ["no-op"], stmt(
        "KeyAdministration", {"AWS": "*"}, "kms:*", condition={"ArnLike": {"aws:PrincipalArn": sso_pattern}})))
    write("sso/assignment-removed.json", sso_plan(["no-op"], ["delete"], stmt(
        "KeyAdministration", {"AWS": "*"}, "kms:*", condition={"ArnLike": {"aws:PrincipalArn": sso_pattern}})))


    # -- policies known only after apply, rebuilt from the plan and its configuration ------
    doc_refs = ["data.aws_iam_policy_document.kms.json", "data.aws_iam_policy_document.kms"]
    role_refs = {"principals.0.identifiers": ["aws_iam_role.kms_admin.arn", "aws_iam_role.kms_admin"]}

    # A document read during the plan (everything it uses exists): its JSON is in the plan.
    p = Plan()
    p.role("kms-admin")
    sts = [doc_stmt(["kms:*"], ["*"], [("AWS", [admin])], sid="KeyAdministrators")]
    read_doc(p, "kms", sts)
    p.key("data", None, render_doc(sts), ["create"], policy_expr=doc_refs)
    write("resolve/document-read-during-plan.json", p.render())

    # Deferred to apply: it names the admin role the same plan creates. The role exists after
    # the apply and the policy, written after it, binds it.
    p = Plan()
    p.role("kms-admin", ["create"])
    deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", [U])], sid="KeyAdministrators", refs=role_refs)])
    p.key("data", None, "UNKNOWN", ["create"], policy_expr=doc_refs)
    write("resolve/deferred-role-created.json", p.render())

    # The same with the admin role replaced: the rebuilt policy names the same ARN, but the
    # provider does not rewrite an unchanged policy, so it still binds the old unique ID.
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", [U])], sid="KeyAdministrators", refs=role_refs)])
    p.key("data", policy(stmt("KeyAdministrators", {"AWS": admin}, "kms:*")), "UNKNOWN", ["update"],
          policy_expr=doc_refs)
    write("resolve/deferred-role-replaced.json", p.render())

    # Principals mixing a constant (the account) and a reference (the replaced role): the
    # plan shows the constant, the configuration the reference; the account still manages.
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", [ROOT, U])], sid="KeyAdministrators",
                                     refs=role_refs)])
    p.key("data", policy(stmt("KeyAdministrators", {"AWS": [ROOT, admin]}, "kms:*")), "UNKNOWN", ["update"],
          policy_expr=doc_refs)
    write("resolve/mixed-constant-and-reference.json", p.render())

    # A module receives the admin ARN as a variable; the root module replaces the role.
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    p.module_call(["kms"], expressions={"admin_arn": {"references": ["aws_iam_role.kms_admin.arn",
                                                                      "aws_iam_role.kms_admin"]}},
                  variables={"admin_arn": {"description": "The ARN of the key administrator role"}},
                  outputs={"key_arn": {"expression": {"references": ["aws_kms_key.this.arn", "aws_kms_key.this"]}}})
    deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", [U])], sid="KeyAdministrators",
                                     refs={"principals.0.identifiers": ["var.admin_arn"]})], module="module.kms")
    p.key("this", policy(stmt("KeyAdministrators", {"AWS": admin}, "kms:*")), "UNKNOWN", ["update"],
          module="module.kms", policy_expr=doc_refs)
    write("resolve/module-variable.json", p.render())

    # source_policy_documents: a base document read during the plan (the account as admin)
    # merged into a deferred one that names the created role.
    p = Plan()
    p.role("kms-admin", ["create"])
    base = [doc_stmt(["kms:*"], ["*"], [("AWS", [ROOT])], sid="EnableIAMUserPermissions")]
    read_doc(p, "base", base)
    deferred_doc(p, "kms", [doc_stmt(["kms:Decrypt", "kms:DescribeKey"], ["*"], [("AWS", [U])], sid="Use",
                                     refs=role_refs)],
                 source_docs=([render_doc(base)], ["data.aws_iam_policy_document.base.json",
                                                   "data.aws_iam_policy_document.base"]))
    p.key("data", None, "UNKNOWN", ["create"], policy_expr=doc_refs)
    write("resolve/source-policy-documents.json", p.render())

    # A deferred document whose principal role is replaced and whose Deny names it in a
    # condition: the condition still matches the recreated role (semantics §1).
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", ["*"])], sid="AdminsByCondition",
                                     conditions=[("ArnEquals", "aws:PrincipalArn", [U])],
                                     refs={"condition.values": ["aws_iam_role.kms_admin.arn", "aws_iam_role.kms_admin"]})])
    p.key("data", policy(stmt("AdminsByCondition", {"AWS": "*"}, "kms:*",
                              condition={"ArnEquals": {"aws:PrincipalArn": admin}})), "UNKNOWN", ["update"],
          policy_expr=doc_refs)
    write("resolve/condition-survives-replacement.json", p.render())

    # Policies written in HCL (jsonencode, a heredoc, templatefile): the plan shows them as
    # known after apply and its configuration only as function calls with references; the
    # source is testdata/resolve/hcl/*.tf, evaluated with --config-dir. The admin role is
    # replaced.
    p = Plan()
    p.variables = {"admin_role_names": ["kms-admin"]}
    p.role("kms-admin", ["delete", "create"], index="kms-admin", rname="admins")
    admins_ref = ['aws_iam_role.admins["kms-admin"].arn', 'aws_iam_role.admins["kms-admin"]', "aws_iam_role.admins"]
    only_admin = policy(stmt("KeyAdministrators", {"AWS": admin}, "kms:*"))
    p.key("data", only_admin, "UNKNOWN", ["update"], policy_expr=["aws_iam_role.admins"])
    p.key("logs", policy(stmt("EnableIAMUserPermissions", {"AWS": [ROOT, admin]}, "kms:*")), "UNKNOWN", ["update"],
          policy_expr=["local.account_root", "local.admin_arns"])
    p.key("heredoc", only_admin, "UNKNOWN", ["update"], policy_expr=admins_ref)
    p.key("templated", policy(stmt("EnableIAMUserPermissions", {"AWS": ROOT}, "kms:*"),
                              stmt("KeyAdministrators", {"AWS": admin}, "kms:*")), "UNKNOWN", ["update"],
          policy_expr=["path.module", "data.aws_caller_identity.current.account_id",
                       "data.aws_caller_identity.current"] + admins_ref)
    p.key("yaml", only_admin, "UNKNOWN", ["update"], policy_expr=["path.module"] + admins_ref)
    write("resolve/hcl/plan.json", p.render())

    # The same from a local module that receives the admin ARN as a variable (source in
    # testdata/resolve/hcl-module).
    p = Plan()
    p.role("kms-admin", ["delete", "create"])
    p.module_call(["kms"], expressions={"alias": {"constant_value": "data"},
                                        "admin_arns": {"references": ["aws_iam_role.kms_admin.arn",
                                                                      "aws_iam_role.kms_admin"]}},
                  variables={"alias": {}, "admin_arns": {"description": "Roles that administer the key."},
                             "account_admin": {"default": False,
                                               "description": "Also let the account administer the key."}})
    p.key("this", only_admin, "UNKNOWN", ["update"], module="module.kms",
          policy_expr=["local.admin_statement", "var.account_admin", "local.account_statement"])
    write("resolve/hcl-module/plan.json", p.render())

    # for_each keys, each with its own document instance: the key's policy references
    # data.aws_iam_policy_document.kms[each.key].json, which the configuration lists as
    # data.aws_iam_policy_document.kms and each.key. The "ops" admin is created, the "data"
    # admin replaced.
    p = Plan()
    for team, actions in (("ops", ["create"]), ("data", ["delete", "create"])):
        p.role(f"{team}-admin", actions, index=team, rname="team_admin")
        deferred_doc(p, "kms", [doc_stmt(["kms:*"], ["*"], [("AWS", [U])], sid="KeyAdministrators",
                                         refs={"principals.0.identifiers": ["aws_iam_role.team_admin", "each.key"]})],
                     index=team)
        p.key("team", policy(stmt("KeyAdministrators", {"AWS": role_arn(f"{team}-admin")}, "kms:*"))
              if team == "data" else None, "UNKNOWN", ["update"] if team == "data" else ["create"], index=team,
              policy_expr=["data.aws_iam_policy_document.kms", "each.key"])
    write("resolve/for-each-documents.json", p.render())


if __name__ == "__main__":
    main()
