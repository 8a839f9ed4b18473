"""Public request filing on a real `zamin serve`: the rate limit is per client address (two
loopback source addresses, one server), refusals are JSON 429s with Retry-After."""
from conftest import Server
from planner_support import permit, post_from


def test_public_posts_are_limited_per_client_address(new_city, tmp_path):
    db = new_city(tmp_path)
    server = Server(db, tmp_path / "serve.log").start({"ZAMIN_PUBLIC_POSTS_PER_MINUTE": "2"})
    try:
        assert post_from("127.0.0.1", server.port, "/requests", permit("P-000001", 3, "residential"))[0] == 201
        assert post_from("127.0.0.1", server.port, "/requests", permit("P-000002", 3, "residential"))[0] == 201
        status, headers, body = post_from("127.0.0.1", server.port, "/requests", permit("P-000003", 3, "residential"))
        assert status == 429
        assert body["code"] == "TooManyRequests"
        assert int(headers["Retry-After"]) >= 1
        # Another address has its own allowance.
        assert post_from("127.0.0.2", server.port, "/requests", permit("P-000004", 3, "residential"))[0] == 201
    finally:
        server.stop()
