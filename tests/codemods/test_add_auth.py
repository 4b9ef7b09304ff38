"""The codemod, one before/after pair per behaviour and one no-op case per guard (libcst ``CodemodTest``)."""

from __future__ import annotations

from libcst.codemod import CodemodTest

from fastapi_expert.codemods.add_auth import AddAuthCommand


class TestDecorators(CodemodTest):
    TRANSFORM = AddAuthCommand

    def test_app_routes_mutating_by_default(self) -> None:
        before = '''
            """Items."""

            from fastapi import FastAPI

            app = FastAPI()  # the app


            @app.get("/items")
            def list_items() -> list[str]:
                return []


            @app.post("/items", status_code=201)
            def create_item(name: str) -> str:
                """Create one."""
                return name  # echo


            @app.api_route("/items/{name}", methods=["PUT", "GET"])
            def replace_item(name: str) -> str:
                return name
        '''
        after = '''
            """Items."""

            from fastapi import Depends, FastAPI

            from auth import require_auth

            app = FastAPI()  # the app


            @app.get("/items")
            def list_items() -> list[str]:
                return []


            @app.post("/items", status_code=201, dependencies=[Depends(require_auth)])
            def create_item(name: str) -> str:
                """Create one."""
                return name  # echo


            @app.api_route("/items/{name}", methods=["PUT", "GET"], dependencies=[Depends(require_auth)])
            def replace_item(name: str) -> str:
                return name
        '''
        self.assertCodemod(before, after, scheme="api-key")

    def test_router_routes_with_prefix_and_aliased_imports(self) -> None:
        before = """
            import fastapi as fa
            from fastapi import APIRouter as R

            router = R(prefix="/notes")
            app = fa.FastAPI()


            @router.get("/")
            async def list_notes() -> list[str]:
                return []


            @router.delete("/{note_id}")
            async def delete_note(note_id: int) -> None:
                return None


            app.include_router(router, prefix="/v1")
        """
        after = """
            import fastapi as fa
            from fastapi import APIRouter as R
            from fastapi import Depends

            from auth import require_auth

            router = R(prefix="/notes")
            app = fa.FastAPI()


            @router.get("/")
            async def list_notes() -> list[str]:
                return []


            @router.delete("/{note_id}", dependencies=[Depends(require_auth)])
            async def delete_note(note_id: int) -> None:
                return None


            app.include_router(router, prefix="/v1")
        """
        self.assertCodemod(before, after, scheme="api-key")

    def test_existing_dependencies_are_merged(self) -> None:
        before = """
            from fastapi import Depends, FastAPI

            from .deps import audit, rate_limit

            app = FastAPI()
            COMMON = [Depends(audit)]


            @app.post("/a", dependencies=[Depends(audit)])
            def a() -> None: ...


            @app.put(
                "/b",
                dependencies=[
                    Depends(audit),
                    Depends(rate_limit),
                ],
            )
            def b() -> None: ...


            @app.patch("/c", dependencies=COMMON)
            def c() -> None: ...


            @app.delete(
                "/d",
                status_code=204,
            )
            def d() -> None: ...
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth

            from .deps import audit, rate_limit

            app = FastAPI()
            COMMON = [Depends(audit)]


            @app.post("/a", dependencies=[Depends(audit), Depends(require_auth)])
            def a() -> None: ...


            @app.put(
                "/b",
                dependencies=[
                    Depends(audit),
                    Depends(rate_limit),
                    Depends(require_auth),
                ],
            )
            def b() -> None: ...


            @app.patch("/c", dependencies=[*COMMON, Depends(require_auth)])
            def c() -> None: ...


            @app.delete(
                "/d",
                status_code=204,
                dependencies=[Depends(require_auth)],
            )
            def d() -> None: ...
        """
        self.assertCodemod(before, after, scheme="api-key")

    def test_routes_defined_in_a_factory(self) -> None:
        before = """
            from fastapi import FastAPI


            def create_app() -> FastAPI:
                app = FastAPI()

                @app.post("/jobs")
                def start_job() -> dict[str, str]:
                    return {"started": "yes"}

                return app
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth
            from auth import router as auth_router


            def create_app() -> FastAPI:
                app = FastAPI()
                app.include_router(auth_router)

                @app.post("/jobs", dependencies=[Depends(require_auth)])
                def start_job() -> dict[str, str]:
                    return {"started": "yes"}

                return app
        """
        self.assertCodemod(before, after, scheme="oauth2-password-jwt")

    def test_a_route_list_matches_full_paths(self) -> None:
        before = """
            from fastapi import APIRouter, FastAPI

            app = FastAPI()
            admin = APIRouter(prefix="/admin")


            @admin.get("/stats")
            def stats() -> dict[str, int]:
                return {}


            @admin.get("/health")
            def admin_health() -> str:
                return "ok"


            @app.get("/reports/{report_id}")
            def report(report_id: int) -> int:
                return report_id


            @app.post("/reports")
            def add_report() -> None: ...


            app.include_router(admin, prefix="/api")
        """
        after = """
            from fastapi import APIRouter, Depends, FastAPI

            from auth import require_auth

            app = FastAPI()
            admin = APIRouter(prefix="/admin")


            @admin.get("/stats", dependencies=[Depends(require_auth)])
            def stats() -> dict[str, int]:
                return {}


            @admin.get("/health")
            def admin_health() -> str:
                return "ok"


            @app.get("/reports/{report_id}", dependencies=[Depends(require_auth)])
            def report(report_id: int) -> int:
                return report_id


            @app.post("/reports")
            def add_report() -> None: ...


            app.include_router(admin, prefix="/api")
        """
        self.assertCodemod(before, after, scheme="api-key", protect=["/api/admin/stats", "GET /reports/{id}"])

    def test_router_level_when_every_route_of_the_router_is_protected(self) -> None:
        before = """
            from fastapi import APIRouter

            router = APIRouter(
                prefix="/admin",
                tags=["admin"],
            )


            @router.post("/reset")
            def reset() -> None: ...


            @router.delete("/cache")
            def clear_cache() -> None: ...
        """
        after = """
            from fastapi import APIRouter, Depends

            from auth import require_auth

            router = APIRouter(
                prefix="/admin",
                tags=["admin"],
                dependencies=[Depends(require_auth)],
            )


            @router.post("/reset")
            def reset() -> None: ...


            @router.delete("/cache")
            def clear_cache() -> None: ...
        """
        self.assertCodemod(before, after, scheme="api-key")

    def test_protect_all(self) -> None:
        before = """
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/")
            def root() -> str:
                return "hi"
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth

            app = FastAPI()


            @app.get("/", dependencies=[Depends(require_auth)])
            def root() -> str:
                return "hi"
        """
        self.assertCodemod(before, after, scheme="http-basic", protect="all")

    def test_routes_in_compound_statements_and_shared_lines(self) -> None:
        before = """
            import sys

            from fastapi import APIRouter, FastAPI

            app = FastAPI()
            é = 1; router = APIRouter(prefix="/r")  # a non-ASCII name before the call on its line


            def create(name: str) -> str:
                return name


            if sys.version_info >= (3, 11):
                @app.post("/a")
                def a() -> None:
                    pass
            elif sys.platform == "x":
                @app.post("/b")
                def b() -> None:
                    pass
            try:
                @app.put("/d")
                def d() -> None:
                    pass
            except ImportError:
                @app.put("/e")
                def e() -> None:
                    pass
            finally:
                @router.delete("/g")
                def g() -> None:
                    pass
            for _ in range(1):
                app.add_api_route("/h", create, methods=["POST"])
            else:
                if True: app.add_api_route("/i", create, methods=["PATCH"]); x = 2
            match sys.platform:
                case "linux":
                    @app.post("/j")
                    def j() -> None:
                        pass
                        # a comment owned by the block
                case _:
                    pass
            with open(__file__) as handle:
                @router.get("/k")
                def k() -> None:
                    pass


            @(app.post("/n"))
            def n() -> None:
                pass


            app.include_router(router)
        """
        after = """
            import sys

            from fastapi import APIRouter, Depends, FastAPI

            from auth import require_auth

            app = FastAPI()
            é = 1; router = APIRouter(prefix="/r")  # a non-ASCII name before the call on its line


            def create(name: str) -> str:
                return name


            if sys.version_info >= (3, 11):
                @app.post("/a", dependencies=[Depends(require_auth)])
                def a() -> None:
                    pass
            elif sys.platform == "x":
                @app.post("/b", dependencies=[Depends(require_auth)])
                def b() -> None:
                    pass
            try:
                @app.put("/d", dependencies=[Depends(require_auth)])
                def d() -> None:
                    pass
            except ImportError:
                @app.put("/e", dependencies=[Depends(require_auth)])
                def e() -> None:
                    pass
            finally:
                @router.delete("/g", dependencies=[Depends(require_auth)])
                def g() -> None:
                    pass
            for _ in range(1):
                app.add_api_route("/h", create, methods=["POST"], dependencies=[Depends(require_auth)])
            else:
                if True: app.add_api_route("/i", create, methods=["PATCH"], dependencies=[Depends(require_auth)]); x = 2
            match sys.platform:
                case "linux":
                    @app.post("/j", dependencies=[Depends(require_auth)])
                    def j() -> None:
                        pass
                        # a comment owned by the block
                case _:
                    pass
            with open(__file__) as handle:
                @router.get("/k")
                def k() -> None:
                    pass


            @(app.post("/n", dependencies=[Depends(require_auth)]))
            def n() -> None:
                pass


            app.include_router(router)
        """
        self.assertCodemod(before, after, scheme="api-key")

    def test_a_call_named_on_a_shared_line_after_a_non_ascii_name(self) -> None:
        before = """
            from fastapi import APIRouter, FastAPI

            app = FastAPI()
            é = 1; router = APIRouter(prefix="/r")


            @router.post("/")
            def create() -> None:
                pass


            app.include_router(router)
        """
        after = """
            from fastapi import APIRouter, Depends, FastAPI

            from auth import require_auth

            app = FastAPI()
            é = 1; router = APIRouter(prefix="/r", dependencies=[Depends(require_auth)])


            @router.post("/")
            def create() -> None:
                pass


            app.include_router(router)
        """
        self.assertCodemod(before, after, scheme="api-key")

    def test_a_closing_parenthesis_on_its_own_line_stays_there(self) -> None:
        before = """
            from fastapi import FastAPI

            app = FastAPI()


            @app.delete(
                "/items/{item_id}", status_code=204
            )
            def delete_item(item_id: int) -> None:
                return None
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth

            app = FastAPI()


            @app.delete(
                "/items/{item_id}", status_code=204, dependencies=[Depends(require_auth)]
            )
            def delete_item(item_id: int) -> None:
                return None
        """
        self.assertCodemod(before, after, scheme="api-key")


class TestUserParameter(CodemodTest):
    TRANSFORM = AddAuthCommand

    def test_annotated_and_default_style_parameters(self) -> None:
        before = """
            from typing import Annotated

            from fastapi import Body, Depends, FastAPI

            from .db import Session, get_db

            app = FastAPI()


            @app.post("/posts")
            def create_post(
                title: Annotated[str, Body()],
                db: Session = Depends(get_db),
            ) -> dict[str, str]:
                return {"title": title, "author": current_user.username}


            @app.put("/posts/{post_id}")
            def edit_post(post_id: int, db: Annotated[Session, Depends(get_db)]) -> str:
                return current_user.username


            @app.delete("/posts/{post_id}")
            def delete_post(post_id: int, *, hard: bool = False) -> str:
                return current_user.username
        """
        after = """
            from typing import Annotated

            from fastapi import Body, Depends, FastAPI

            from auth import CurrentUser
            from auth import router as auth_router

            from .db import Session, get_db

            app = FastAPI()
            app.include_router(auth_router)


            @app.post("/posts")
            def create_post(
                title: Annotated[str, Body()],
                current_user: CurrentUser,
                db: Session = Depends(get_db),
            ) -> dict[str, str]:
                return {"title": title, "author": current_user.username}


            @app.put("/posts/{post_id}")
            def edit_post(post_id: int, db: Annotated[Session, Depends(get_db)], current_user: CurrentUser) -> str:
                return current_user.username


            @app.delete("/posts/{post_id}")
            def delete_post(post_id: int, current_user: CurrentUser, *, hard: bool = False) -> str:
                return current_user.username
        """
        self.assertCodemod(before, after, scheme="oauth2-password-jwt")

    def test_a_defined_current_user_is_not_the_users(self) -> None:
        before = """
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/x")
            def x(current_user: str) -> str:
                return current_user
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth

            app = FastAPI()


            @app.post("/x", dependencies=[Depends(require_auth)])
            def x(current_user: str) -> str:
                return current_user
        """
        self.assertCodemod(before, after, scheme="http-basic")

    def test_without_a_user_the_api_key_goes_on_the_decorator(self) -> None:
        before = """
            from fastapi import FastAPI

            app = FastAPI()


            @app.post("/x")
            def x() -> str:
                return current_user
        """
        after = """
            from fastapi import Depends, FastAPI

            from auth import require_auth

            app = FastAPI()


            @app.post("/x", dependencies=[Depends(require_auth)])
            def x() -> str:
                return current_user
        """
        self.assertCodemod(before, after, scheme="api-key")


class TestNoOp(CodemodTest):
    TRANSFORM = AddAuthCommand

    def test_already_protected_by_hand(self) -> None:
        code = """
            import secrets
            from typing import Annotated

            from fastapi import Depends, FastAPI, HTTPException, Security
            from fastapi.security import APIKeyHeader

            header = APIKeyHeader(name="X-API-Key", auto_error=False)


            def check_key(key: Annotated[str | None, Security(header)]) -> None:
                if key is None or not secrets.compare_digest(key.encode(), b"k" * 32):
                    raise HTTPException(401)


            app = FastAPI()


            @app.post("/a", dependencies=[Depends(check_key)])
            def a() -> None: ...


            @app.delete("/b")
            def b(_: Annotated[None, Depends(check_key)]) -> None: ...
        """
        self.assertCodemod(code, code, scheme="api-key")

    def test_idempotent(self) -> None:
        code = """
            from fastapi import APIRouter, Depends, FastAPI

            from auth import CurrentUser, require_auth
            from auth import router as auth_router

            app = FastAPI()
            app.include_router(auth_router)
            router = APIRouter(prefix="/admin", dependencies=[Depends(require_auth)])


            @app.post("/items", dependencies=[Depends(require_auth)])
            def create_item(name: str) -> str:
                return name


            @app.delete("/items/{name}")
            def delete_item(name: str, current_user: CurrentUser) -> str:
                return current_user.username


            @router.post("/reset")
            def reset() -> None: ...
        """
        self.assertCodemod(code, code, scheme="oauth2-password-jwt")

    def test_nothing_to_protect(self) -> None:
        code = """
            from fastapi import FastAPI

            app = FastAPI()


            @app.get("/health")
            def health() -> str:
                return "ok"
        """
        self.assertCodemod(code, code, scheme="oauth2-password-jwt")
