dict[0x4e00] = "yī"; /* 一 */
dict[0x770b] = "kàn,kān";
