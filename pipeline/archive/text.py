"""The archive's sentences, Bahasa Indonesia first, in the shape of `pipeline.messages.CATALOGUE`.

Kept apart only so the archive could be written beside others editing `messages.py`; the lead
merges this catalogue into it. `t()` falls back to `messages.t` for every other key.
"""

from __future__ import annotations


from pipeline import messages

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    "archive.site_name": ("Arsip Media Sosial", "Social Media Archive"),
    "archive.home": ("Beranda", "Home"),
    "archive.years": ("Tahun", "Years"),
    "archive.kinds": ("Jenis", "Kinds"),
    "archive.platforms": ("Platform", "Platforms"),
    "archive.search": ("Cari", "Search"),
    "archive.performance": ("Kinerja SOP", "SOP performance"),
    "archive.feed": ("Umpan RSS/Atom", "RSS/Atom feed"),
    "archive.home_title": ("Arsip konten media sosial", "Social media content archive"),
    "archive.home_intro": (
        "Setiap konten yang telah diunggah, beserta catatan persetujuannya menurut {sop}.",
        "Every published item, with its approval record under {sop}."),
    "archive.latest": ("Konten terbaru", "Latest items"),
    "archive.by_year": ("Menurut tahun dan bulan", "By year and month"),
    "archive.by_kind": ("Menurut jenis", "By kind"),
    "archive.by_platform": ("Menurut platform", "By platform"),
    "archive.count": ("{n} konten", "{n} items"),
    "archive.empty": ("Belum ada konten yang diunggah.", "Nothing has been published yet."),
    "archive.year_title": ("Arsip tahun {year}", "Archive of {year}"),
    "archive.month_title": ("{month} {year}", "{month} {year}"),
    "archive.month_kind_title": ("{kind}: {month} {year}", "{kind}: {month} {year}"),
    "archive.month_platform_title": ("{platform}: {month} {year}", "{platform}: {month} {year}"),
    "archive.kind_title": ("Jenis: {kind}", "Kind: {kind}"),
    "archive.platform_title": ("Platform: {platform}", "Platform: {platform}"),
    "archive.all_month": ("Semua konten bulan ini", "Everything this month"),
    "archive.page_of": ("Halaman {page} dari {pages}", "Page {page} of {pages}"),
    "archive.newer": ("Lebih baru", "Newer"),
    "archive.older": ("Lebih lama", "Older"),
    "archive.month": ("Bulan", "Month"),
    "archive.total": ("Jumlah", "Total"),
    # item page
    "archive.date": ("Tanggal", "Date"),
    "archive.kind": ("Jenis", "Kind"),
    "archive.caption": ("Keterangan", "Caption"),
    "archive.media": ("Media", "Media"),
    "archive.posts": ("Unggahan", "Posts"),
    "archive.view_post": ("Lihat unggahan", "View the post"),
    "archive.state.published": ("terunggah", "published"),
    "archive.state.failed": ("gagal diunggah", "failed"),
    "archive.state.unknown": ("belum dapat dipastikan", "not known"),
    "archive.state.pending": ("sedang diunggah", "being posted"),
    "archive.state.failed_note": ("Unggahan ke platform ini tidak berhasil; alasannya tercatat untuk admin media sosial.",
                                  "Posting to this platform did not succeed; the reason is on record for the social-media admin."),
    "archive.state.unknown_note": (
        "Unggahan ke platform ini terputus; admin sedang memastikan apakah konten sudah tayang.",
        "Posting to this platform was interrupted; the admin is checking whether the item is live."),
    "archive.video_fallback": ("Peramban Anda tidak dapat memutar video ini: unduh berkasnya.",
                               "Your browser cannot play this video: download the file."),
    "archive.approval": ("Catatan persetujuan", "Approval record"),
    "archive.sop_line": ("Menurut SOP nomor {number}: {title}", "Under SOP number {number}: {title}"),
    "archive.step": ("Langkah", "Step"),
    "archive.actor": ("Pelaksana", "Performed by"),
    "archive.who": ("Nama", "Name"),
    "archive.started": ("Mulai", "Started"),
    "archive.finished": ("Selesai", "Finished"),
    "archive.taken": ("Waktu", "Time taken"),
    "archive.standard": ("Standar", "Standard"),
    "archive.overdue": ("melebihi standar", "over the standard"),
    "archive.within": ("sesuai standar", "within the standard"),
    "archive.minutes": ("{n} menit", "{n} min"),
    "archive.none": ("-", "-"),
    "archive.pr": ("Pull request #{number}", "Pull request #{number}"),
    "archive.pdf": ("Unduh catatan (PDF, A4)", "Download the record (PDF, A4)"),
    "archive.print": ("Cetak", "Print"),
    "archive.does.draft": ("Menyusun konsep", "Drafts the concept"),
    "archive.does.submit": ("Mengajukan konsep", "Submits the concept"),
    "archive.does.review": ("Memeriksa dan menyetujui", "Reviews and approves"),
    "archive.does.hand-over": ("Menyerahkan konsep final", "Hands the final concept over"),
    "archive.does.publish": ("Mengunggah ke media sosial", "Posts to social media"),
    # search
    "archive.search_title": ("Cari di arsip", "Search the archive"),
    "archive.search_label": ("Kata yang dicari", "Words to find"),
    "archive.search_button": ("Cari", "Search"),
    "archive.search_hint": ("Ketik paling sedikit 3 huruf. Semua kata harus ada pada konten.",
                            "Type at least 3 letters. Every word must be in the item."),
    "archive.search_none": ("Tidak ada konten yang cocok.", "No item matches."),
    "archive.search_found": ("{n} konten ditemukan", "{n} items found"),
    "archive.search_more": ("Tampilkan lebih banyak", "Show more"),
    "archive.search_noscript": ("Pencarian memerlukan JavaScript.", "Search needs JavaScript."),
    # PDF
    "archive.pdf_title": ("Catatan Arsip Konten Media Sosial", "Social Media Item Archive Record"),
    "archive.pdf_item": ("Konten", "Item"),
    "archive.pdf_page": ("Alamat arsip", "Archive page"),
    "archive.pdf_made": ("Dibuat {at}", "Made {at}"),
    # build
    "archive.built": ("Arsip dibangun: {items} konten, {built} dari {units} bulan dibangun ulang, {seconds} detik.",
                      "Archive built: {items} items, {built} of {units} months rebuilt, {seconds} s."),
    "archive.skipped": ("Konten {item} dilewati: tidak ada waktu tayang di buku besar.",
                        "Item {item} skipped: the ledger has no time for it."),
    "archive.serving": ("Arsip tersedia di {url} (Ctrl+C untuk berhenti).", "The archive is at {url} (Ctrl+C to stop)."),
    "archive.no_site": ("Folder {out} belum berisi arsip: jalankan `konten archive build` dulu.",
                        "Folder {out} holds no archive yet: run `konten archive build` first."),
}

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


messages.register(CATALOGUE)
t = messages.t


def month_name(month: int, lang: str = "id") -> str:
    return MONTHS["en" if lang == "en" else "id"][month - 1]


def minutes(value: float, lang: str = "id") -> str:
    """`35.5` -> `35,5 menit` (Indonesian uses the decimal comma)."""
    number = f"{value:g}"
    return t("archive.minutes", lang, n=number.replace(".", ",") if lang != "en" else number)


def kind_label(kind: str) -> str:
    """A kind slug as a heading: `informasi-kegiatan` -> `Informasi Kegiatan`."""
    return kind.replace("-", " ").title()
