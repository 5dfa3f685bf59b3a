"""History on MariaDB reads only the page it returns, however deep: a
regression test for pages that walked back from the newest message."""

import unittest

from natter_harness import Client, Natterd

ROWS = 50_000


def rows_read(db):
    out = db.sql("SHOW GLOBAL STATUS WHERE Variable_name IN "
                 "('Handler_read_prev', 'Handler_read_next', 'Handler_read_rnd_next')").stdout
    return sum(int(line.split("\t")[1]) for line in out.splitlines())


class MariadbHistoryTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.server = Natterd(backend="mariadb")
        self.addCleanup(self.server.close)  # also when setUp fails below
        self.server.start()  # creates the schema
        self.db = self.server.database
        self.db.sql(f"INSERT INTO messages (id, room, sender, body, ts_ms) SELECT seq, 'deep', 'bot', CONCAT('m', seq), seq "
                    f"FROM seq_1_to_{ROWS}", database="natter")

    async def test_deep_history_pages_read_only_their_rows(self):
        ann = await Client.connect(self.server, "ann")
        await ann.join("deep")
        before = rows_read(self.db)
        await ann.send(op="history", room="deep", before="1000", limit=50, ref="h")
        page = await ann.expect("history", ref="h")
        read = rows_read(self.db) - before
        self.assertEqual([m["id"] for m in page["messages"]], [str(i) for i in range(950, 1000)])
        self.assertLess(read, 1000, f"{read} rows read for a page of 50")


if __name__ == "__main__":
    unittest.main()
