from __future__ import annotations

from sharpeyes.model.urls import join_credentials, mask_url, scrub, split_credentials


def test_split_and_join_round_trip() -> None:
    bare, user, password = split_credentials(
        "rtsp://admin:p%40ss:w@10.1.2.3:554/Streaming/Channels/101"
    )
    assert bare == "rtsp://10.1.2.3:554/Streaming/Channels/101"
    assert (user, password) == ("admin", "p@ss:w")
    assert split_credentials(join_credentials(bare, user, password)) == (bare, user, password)


def test_mask_and_scrub_hide_passwords() -> None:
    assert mask_url("rtsp://admin:secret@host/x") == "rtsp://***@host/x"
    assert "secret" not in scrub("failed to open rtsp://admin:secret@host/x: timeout")
    assert split_credentials("/videos/cam.mp4") == ("/videos/cam.mp4", None, None)
