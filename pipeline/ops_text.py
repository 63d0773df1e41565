"""The sentences of reminders, announcements, office hours and `konten report`.

Same shape as `messages.CATALOGUE`, `(Bahasa Indonesia, English)`, registered into it so every
module translates through `messages.t`. Reminders and announcements are read on a phone in a
chat: short, who and what first, the link last.
"""

from __future__ import annotations

from pipeline import messages

# key: (Bahasa Indonesia, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # reminders (SOP steps 3-7)
    "remind.comment": ("⏰ **Pengingat batas waktu SOP** — {mentions}: draf ini menunggu **{role}** (langkah {step}) "
                       "sejak {since}. Batasnya {due} (standar {minutes} menit) sudah lewat. Mohon beri *ya* "
                       "(Approve) atau *tidak* (Request changes).",
                       "⏰ **SOP time standard reminder** — {mentions}: this draft has been waiting for **{role}** "
                       "(step {step}) since {since}. It was due {due} (standard {minutes} minutes). Please say "
                       "*ya* (Approve) or *tidak* (Request changes)."),
    "remind.handover": ("⏰ **Pengingat batas waktu SOP** — {mentions}: draf ini disetujui lengkap sejak {since} dan "
                        "menunggu diserahkan ke {role} (langkah {step}, gabungkan/merge). Batasnya {due} (standar "
                        "{minutes} menit) sudah lewat.",
                        "⏰ **SOP time standard reminder** — {mentions}: this draft was fully approved at {since} "
                        "and waits to be handed to {role} (step {step}: merge it). It was due {due} (standard "
                        "{minutes} minutes)."),
    "remind.chat": ("⏰ Pengingat: \"{title}\" (PR #{number}) menunggu {role} sejak {since}, batas {due}. {url}",
                    "⏰ Reminder: \"{title}\" (PR #{number}) has waited for {role} since {since}, due {due}. {url}"),
    "remind.sent": ("PR #{number}: {role} (langkah {step}) diingatkan: {who}",
                    "PR #{number}: {role} (step {step}) reminded: {who}"),
    "remind.withdrawn": ("PR #{number}: permintaan tinjauan ditarik (belum gilirannya lagi): {who}",
                         "PR #{number}: review request withdrawn (no longer their turn): {who}"),
    "remind.channel_failed": ("PR #{number}: pengingat ke {target} gagal: {reason}",
                              "PR #{number}: the reminder to {target} failed: {reason}"),
    "remind.summary": ("konten remind: {pulls} PR terbuka diperiksa, {sent} pengingat dikirim, {failed} gagal "
                       "({requests} permintaan API).",
                       "konten remind: {pulls} open PRs checked, {sent} reminders sent, {failed} failed "
                       "({requests} API requests)."),
    # announcements (SOP steps 6 and 8)
    "announce.approved": ("✅ Disetujui lengkap: \"{title}\" (PR #{number}) telah disetujui {role}, langkah 6 SOP "
                          "{sop}. {url}",
                          "✅ Fully approved: \"{title}\" (PR #{number}) was approved by {role}, step 6 of SOP "
                          "{sop}. {url}"),
    "announce.published": ("📢 Sudah tayang: \"{title}\" di {platforms}. {links}",
                           "📢 Now live: \"{title}\" on {platforms}. {links}"),
    "announce.no_token": ("{name} belum diisi (secret di GitHub): pesan tidak dikirim.",
                          "{name} is not set (a GitHub secret): the message was not sent."),
    "announce.line": ("{item} · {event} → {target}: {state}", "{item} · {event} → {target}: {state}"),
    "announce.event.approved": ("persetujuan akhir", "final approval"),
    "announce.event.published": ("sudah tayang", "now live"),
    "announce.state.sent": ("✅ terkirim", "✅ sent"),
    "announce.state.already": ("✔️ sudah terkirim sebelumnya", "✔️ sent before"),
    "announce.state.failed": ("❌ gagal (dicoba lagi nanti): {reason}", "❌ failed (will be retried): {reason}"),
    "announce.state.gave_up": ("⛔ gagal {attempts} kali, tidak dicoba lagi: {reason}",
                               "⛔ failed {attempts} times, not retried: {reason}"),
    "announce.state.unknown": ("⚠️ tidak pasti (mungkin sudah terkirim; periksa grup): {reason}",
                               "⚠️ unknown (it may have arrived; check the group): {reason}"),
    "announce.state.pending": ("⏳ sedang dikirim oleh proses lain", "⏳ being sent by another run"),
    "announce.nothing": ("Tidak ada pengumuman baru.", "No new announcements."),
    # konten report
    "report.title": ("Kinerja SOP", "SOP performance"),
    "report.intro": ("Seberapa sering setiap langkah SOP {sop} selesai dalam standar waktunya (Mutu Baku: Waktu), "
                     "dari {count} pengukuran{period}.",
                     "How often each step of SOP {sop} is done within its time standard (Mutu Baku: Waktu), from "
                     "{count} measurements{period}."),
    "report.period": (" antara {since} dan {until}", " between {since} and {until}"),
    "report.office_hours": ("Waktu dihitung dalam jam kerja saja.", "Time counts office hours only."),
    "report.step": ("Langkah", "Step"),
    "report.role": ("Peran", "Role"),
    "report.count": ("Jumlah", "Count"),
    "report.median": ("Median (menit)", "Median (min)"),
    "report.p90": ("Persentil 90 (menit)", "90th percentile (min)"),
    "report.standard": ("Standar (menit)", "Standard (min)"),
    "report.within": ("Dalam standar", "Within standard"),
    "report.open": ("Masih menunggu (lewat batas)", "Waiting now (overdue)"),
    "report.month": ("Bulan", "Month"),
    "report.by_month": ("Per bulan", "By month"),
    "report.slowest": ("Konten paling lama", "Slowest items"),
    "report.item": ("Konten", "Item"),
    "report.total": ("Total (menit)", "Total (min)"),
    "report.total_standard": ("Standar total: {minutes} menit.", "Total standard: {minutes} minutes."),
    "report.none": ("Belum ada langkah yang terukur.", "No step has been measured yet."),
    "report.chart": ("Bagian langkah yang selesai dalam standar waktu", "Share of steps done within the standard"),
    "report.date": ("Tanggal '{value}' tidak terbaca: tulis seperti 2026-11-30.",
                    "Cannot read the date '{value}': write it like 2026-11-30."),
}

messages.register(CATALOGUE)
