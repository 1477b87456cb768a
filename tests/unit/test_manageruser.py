"""amijson.manageruser: `manager show user`'s output, and which read classes are missing."""

from amijson import manageruser

# scripts/asterisk-sandbox rx 'manager show user amijson_least', on 22 and 16 alike
LEAST = """
          username: amijson_least
            secret: <Set>
               ACL: yes
         read perm: system,reporting
        write perm: system,command,reporting
   displayconnects: yes
allowmultiplelogin: yes
         Variables: 
ACL: (unnamed)
---------------------------------------------
  0:  deny - 0.0.0.0/0.0.0.0
  1: allow - 127.0.0.1/255.255.255.255
""".split("\n")


def test_the_sandbox_users_layout():
    assert manageruser.parse(LEAST) == {"read": ["system", "reporting"], "write": ["system", "command", "reporting"],
                                        "acl": ["deny 0.0.0.0/0.0.0.0", "allow 127.0.0.1/255.255.255.255"]}


def test_no_such_user_is_none():
    assert manageruser.parse(["There is no manager called nobody"]) is None
    assert manageruser.parse([]) is None and manageruser.parse(None) is None


def test_an_empty_read_list():
    lines = [line.replace("system,reporting", "") if "read perm" in line else line for line in LEAST]
    assert manageruser.parse(lines)["read"] == []


def test_missing_classes():
    assert manageruser.missing({"call"}, ["system", "reporting"]) == ["call"]
    assert manageruser.missing({"call", "dtmf", "system"}, ["system"]) == ["call", "dtmf"]
    assert manageruser.missing({"call"}, ["system", "Call"]) == []
    assert manageruser.missing({"call", "cdr"}, ["all"]) == []  # read = all: every class


def test_the_command():
    assert manageruser.command("amijson_least") == "manager show user amijson_least"
