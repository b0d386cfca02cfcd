import ArabicText
import PropertyBased
import Testing

@Suite struct DuplicateCandidates {
    static let variants: [(String, String, String)] = [
        ("الجالية في سورية", "الجالية في سوريا", "spelling variant ية/يا"),
        ("رابطة الكتاب الأحرار", "رابطه الكتاب الأحرار", "spelling variant ة/ه"),
        ("ملتقى الشباب", "ملتقي الشباب", "spelling variant ى/ي"),
        ("مجلس محافظة ادلب", "مجلس محافظة إدلب", DuplicateFinder.sameAfterNormalization),
        ("نقابة المعلّمين", "نقابة المعلمين", DuplicateFinder.sameAfterNormalization),
        ("نقابة  المعلمين ", "نقابة المعلمين", DuplicateFinder.sameAfterNormalization),
        ("تجمّـع الأطباء", "تجمع الأطباء", DuplicateFinder.sameAfterNormalization),
        ("کانون للثقافة", "كانون للثقافة", DuplicateFinder.sameAfterNormalization),
        ("نقابة المعلمين - حلب", "نقابة المعلمين حلب", "spacing or punctuation"),
        ("مركز عبد الكريم للتنمية", "مركز عبدالكريم للتنمية", "spacing or punctuation"),
        ("اتحاد الطلبة الأحرار.", "اتحاد الطلبة الأحرار", "spacing or punctuation"),
        ("تجمع الأطباء", "تجمع أطباء", "definite article ال added or dropped"),
        ("الشبكة السورية لحقوق الإنسان (SNHR)", "الشبكة السورية لحقوق الإنسان", "abbreviation in brackets"),
        ("مؤسسة الذاكرة", "موسسة الذاكرة", "spelling variant of hamza (ؤ ئ ء)"),
        ("رابطة الصحفيين المستقلين", "رابطة الصحفين المستقلين", DuplicateFinder.oneLetterApart),
        ("رابطة سورية للإغاثة", "رابطه سوريا للاغاثة", "spelling variant ة/ه; spelling variant ية/يا"),
    ]

    @Test(arguments: variants)
    func variantPairsAreFoundWithTheirReason(a: String, b: String, reason: String) {
        let found = DuplicateFinder.candidates(in: ["منظمة أخرى تماما", a, "رابطة غير ذات صلة", b])
        #expect(found == [DuplicateFinder.Candidate(first: 1, second: 3, reason: reason)])
        #expect(DuplicateFinder.reason(a, b) == reason)
    }

    static let different: [(String, String)] = [
        ("اتحاد طلبة سوريا الشمالي", "اتحاد طلبة سوريا الجنوبي"),
        ("الجالية السورية في ألمانيا", "الجالية السورية في أوروبا"),
        ("نقابة عمال المرفأ رقم 17", "نقابة عمال المرفأ رقم 18"),
        ("رابطة الكتاب", "رابطة الفنانين"),
        ("مجلس حلب", "مجلس حماة"),
    ]

    @Test(arguments: different)
    func meaningfullyDifferentNamesAreNotReported(a: String, b: String) {
        #expect(DuplicateFinder.candidates(in: [a, b]).isEmpty)
        #expect(DuplicateFinder.reason(a, b) == nil)
    }

    @Test func everyPairOfAGroupIsReportedOnceInOrder() {
        let found = DuplicateFinder.candidates(in: ["سورية", "أ", "سوريا", "سوريه"])
        #expect(found.map { [$0.first, $0.second] } == [[0, 2], [0, 3], [2, 3]])
    }

    @Test func detectionIsSymmetric() async {
        await propertyCheck(count: 400, input: NameGen.name, NameGen.name) { a, b in
            #expect((DuplicateFinder.reason(a, b) == nil) == (DuplicateFinder.reason(b, a) == nil))
            #expect(DuplicateFinder.candidates(in: [a, b]).isEmpty == DuplicateFinder.candidates(in: [b, a]).isEmpty)
        }
    }
}

/// Issue 12: names that look the same but are written with letters of another script,
/// from Unicode's confusables data (UTS #39 skeletons), and words that mix scripts.
@Suite struct LookAlikes {
    @Test func skeletonsOfLookAlikesAreEqual() {
        #expect(Confusables.skeleton("Syrian Writ\u{0435}rs League") == Confusables.skeleton("Syrian Writers League"))
        #expect(Confusables.skeleton("Syrian Writers League") != Confusables.skeleton("Syrian Writers Leaguer"))
        // The Arabic-Indic digit one for the letter alef.
        #expect(Confusables.skeleton("\u{0661}تحاد الطلبة") == Confusables.skeleton("اتحاد الطلبة"))
    }

    @Test func lookAlikesAreDuplicateCandidatesWithTheirOwnReason() {
        let names = ["Syrian Writers League", "نقابة المعلمين", "Syrian Writ\u{0435}rs L\u{0435}ague", "\u{0661}تحاد الطلبة", "اتحاد الطلبة"]
        let found = DuplicateFinder.candidates(in: names)
        #expect(found.contains(DuplicateFinder.Candidate(first: 0, second: 2, reason: DuplicateFinder.lookAlike)))
        #expect(found.contains(DuplicateFinder.Candidate(first: 3, second: 4, reason: DuplicateFinder.lookAlike)))
        #expect(!found.contains { $0.first == 1 || $0.second == 1 })
        #expect(DuplicateFinder.reason("Paris Union", "P\u{0430}ris Union") == DuplicateFinder.lookAlike)
    }

    @Test func mixedScriptsWithinAWordAreFlaggedButNotSideBySide() {
        #expect(Confusables.mixesScripts("P\u{0430}ris Union"))
        #expect(Confusables.mixesScripts("نقابةa المعلمين"))
        #expect(!Confusables.mixesScripts("رابطة الكتاب (ARK)"))
        #expect(!Confusables.mixesScripts("Союз писателей"))
        #expect(!Confusables.mixesScripts("Association des Syriens Libres"))
    }
}
