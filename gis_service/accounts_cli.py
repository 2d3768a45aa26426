"""``gis-service user add NAME | list | remove NAME``: planner accounts from the command line.
The password is typed twice at a terminal (never echoed, never an argument, which other users
could see in the process list), or read from standard input with ``--password-stdin``."""

from __future__ import annotations

import argparse
import getpass
import sys

from .accounts import Accounts, check_name, check_password
from .errors import InputError
from .settings import Settings


def add_user_commands(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="planner accounts (tài khoản cán bộ): add, list, remove")
    actions = user.add_subparsers(required=True, dest="user_command")
    add = actions.add_parser("add", help="add a planner who can sign in")
    add.add_argument("name", help="1–64 ASCII letters, digits, '.', '_' or '-'")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (for scripts)")
    add.set_defaults(func=cmd_user_add)
    listing = actions.add_parser("list", help="list the planners")
    listing.set_defaults(func=cmd_user_list)
    remove = actions.add_parser("remove", help="remove a planner (signs them out everywhere)")
    remove.add_argument("name")
    remove.set_defaults(func=cmd_user_remove)


def cmd_user_add(args, settings: Settings) -> int:
    name = check_name(args.name)
    password = _password_from_stdin() if args.password_stdin else _password_from_terminal()
    Accounts(settings.users_file).add(name, password)
    print(f"Đã thêm tài khoản / Added user: {name} ({settings.users_file})")
    return 0


def cmd_user_list(args, settings: Settings) -> int:
    users = Accounts(settings.users_file).users()
    if not users:
        print(f"Chưa có tài khoản nào / No users yet ({settings.users_file})")
        return 0
    width = max(len(u.name) for u in users)
    print(f"{'tên / name':<{width}}  tạo lúc / created (UTC)    đăng nhập gần nhất / last sign-in (UTC)")
    for u in users:
        print(f"{u.name:<{width}}  {u.created_at:<25}  {u.last_signin_at or '—'}")
    return 0


def cmd_user_remove(args, settings: Settings) -> int:
    Accounts(settings.users_file).remove(args.name)
    print(f"Đã xóa tài khoản / Removed user: {args.name}")
    return 0


def _password_from_stdin() -> str:
    return check_password(sys.stdin.readline().rstrip("\r\n"))


def _password_from_terminal() -> str:
    if not sys.stdin.isatty():
        raise InputError("không có màn hình để gõ mật khẩu: dùng --password-stdin / no terminal to type "
                         "the password at: use --password-stdin", field="password")
    try:
        first = check_password(getpass.getpass("Mật khẩu / Password: "))
        second = getpass.getpass("Nhập lại mật khẩu / Repeat the password: ")
    except EOFError:
        raise InputError("chưa nhập mật khẩu / no password given", field="password") from None
    if first != second:
        raise InputError("hai lần nhập mật khẩu không khớp / the two passwords differ", field="password")
    return first
